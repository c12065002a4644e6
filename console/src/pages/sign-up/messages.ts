/** Sign-up in English and Simplified Chinese. */
import { messages } from '../../i18n/messages.js';

export const t = messages({
  en: {
    offer: 'New here?',
    create: 'Create an account',
    title: 'Create your imagegate account',
    withInvite: 'You were invited: your account is ready to join once you choose a password.',
    email: 'Email',
    password: 'Password',
    passwordHint: 'At least 12 characters.',
    submit: 'Create account',
    haveAccount: 'Already have an account? Sign in',
  },
  'zh-CN': {
    offer: '第一次使用？',
    create: '创建账户',
    title: '创建你的 imagegate 账户',
    withInvite: '你已受到邀请：设置密码后即可加入账户。',
    email: '电子邮件',
    password: '密码',
    passwordHint: '至少 12 个字符。',
    submit: '创建账户',
    haveAccount: '已有账户？登录',
  },
});
