import { messages } from '../i18n/messages.js';

/** The sign-in and first-operator pages. */
export const t = messages({
  en: {
    title: 'Sign in to imagegate',
    signIn: 'Sign in',
    adminKey: 'Admin key',
    email: 'Email',
    password: 'Password',
    useEmail: 'Use email and password instead',
    useKey: 'Use the admin key instead',
    firstTitle: 'Create the first operator',
    firstText: 'You signed in with the admin key. Create an operator user to sign in with from now on; the audit log records changes under that user.',
    firstSubmit: 'Create operator and sign in',
    passwordHint: 'At least 12 characters.',
    notNow: 'Not now: continue with the admin key',
  },
  'zh-CN': {
    title: '登录 imagegate',
    signIn: '登录',
    adminKey: '管理密钥',
    email: '邮箱',
    password: '密码',
    useEmail: '改用邮箱和密码登录',
    useKey: '改用管理密钥登录',
    firstTitle: '创建第一个运营者',
    firstText: '你是用管理密钥登录的。请创建一个运营者用户，今后用它登录；审计日志会以该用户的名义记录各项变更。',
    firstSubmit: '创建运营者并登录',
    passwordHint: '至少 12 个字符。',
    notNow: '暂不创建：继续使用管理密钥',
  },
});
