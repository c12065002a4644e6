import { messages } from '../i18n/messages.js';

export const t = messages({
  en: {
    caption: 'Ledger entries',
    empty: 'No ledger entries yet.',
    when: 'When',
    kind: 'Kind',
    amount: 'Amount',
    charged: 'Charged',
    balanceAfter: 'Balance after',
    transaction: 'Transaction',
    note: 'Note',
  },
  'zh-CN': {
    caption: '账本记录',
    empty: '还没有账本记录。',
    when: '时间',
    kind: '类型',
    amount: '金额',
    charged: '实扣',
    balanceAfter: '变动后余额',
    transaction: '交易',
    note: '备注',
  },
});
