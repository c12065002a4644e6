/**
 * Whose records a page shows: an operator's (the admin API, every account) or a member's (their own account
 * under /v1/console/account, which answers the same shapes). The request and task pages are shared and ask
 * the scope where to read, so a member's page cannot reach the admin API by accident.
 */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

export interface RecordScope {
  /** The API prefix the records live under: `${api}/requests`, `${api}/tasks/:id`. */
  api: '/v1/admin' | '/v1/console/account';
  /** A member sees only their own account: no account columns, filters or links. */
  member: boolean;
}

export const OPERATOR_SCOPE: RecordScope = { api: '/v1/admin', member: false };
export const MEMBER_SCOPE: RecordScope = { api: '/v1/console/account', member: true };

export const ScopeContext = createContext<RecordScope>(OPERATOR_SCOPE);

export function useScope(): RecordScope {
  return useContext(ScopeContext);
}
