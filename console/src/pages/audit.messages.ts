import type { AuditAction } from '../api/types.js';
import { messages } from '../i18n/messages.js';

/** The audit log page. */
export const t = messages({
  en: {
    title: 'Audit log',
    action: 'Action',
    targetId: 'Target id',
    actor: 'Actor',
    from: 'From',
    to: 'To',
    fromIp: 'From',
    noMatch: 'No audit entry matches these filters.',
    when: 'When',
    target: 'Target',
    amount: 'Amount',
    change: 'Reason / change',
  },
  'zh-CN': {
    title: '审计日志',
    action: '操作',
    targetId: '对象 ID',
    actor: '操作者',
    from: '起始',
    to: '截止',
    fromIp: '来源 IP',
    noMatch: '没有符合筛选条件的审计记录。',
    when: '时间',
    target: '对象',
    amount: '金额',
    change: '原因 / 变更',
  },
});

/** Every action the server records has a label: a new action fails the typecheck until it has one in both languages. */
const ACTION_LABELS = {
  'account.create': 'Account created',
  'account.credit': 'Credit',
  'account.debit': 'Debit',
  'key.create': 'Key created',
  'key.update': 'Key changed',
  'key.revoke': 'Key revoked',
  'user.create': 'User created',
  'user.update': 'User changed',
  'user.disable': 'User disabled',
  'task.cancel': 'Task canceled',
  'account.update': 'Account changed',
  'invite.create': 'Invite created',
  'invite.revoke': 'Invite revoked',
  'topup.create': 'Top-up codes issued',
  'topup.void': 'Top-up code voided',
  'topup.redeem': 'Top-up code redeemed',
} satisfies Record<AuditAction, string>;

export const actionLabel = messages({
  en: ACTION_LABELS,
  'zh-CN': {
    'account.create': '创建账户',
    'account.credit': '充值',
    'account.debit': '扣款',
    'key.create': '创建密钥',
    'key.update': '修改密钥',
    'key.revoke': '吊销密钥',
    'user.create': '创建用户',
    'user.update': '修改用户',
    'user.disable': '停用用户',
    'task.cancel': '取消任务',
    'account.update': '修改账户',
    'invite.create': '创建邀请',
    'invite.revoke': '撤销邀请',
    'topup.create': '发放充值码',
    'topup.void': '作废充值码',
    'topup.redeem': '兑换充值码',
  },
});

export const AUDIT_ACTIONS = Object.keys(ACTION_LABELS) as AuditAction[];

/** An entry's action in words; an action this console does not know yet (a newer server) as the server wrote it. */
export function actionText(action: string): string {
  return action in ACTION_LABELS ? actionLabel(action as AuditAction) : action;
}
