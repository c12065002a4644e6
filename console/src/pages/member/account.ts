/** The member's own account (balance, held, key policy), as `GET /v1/console/account` answers it. */
import type { MemberAccountView } from '../../api/types.js';
import { type Loaded, useApi } from '../../ui/use-api.js';

export function useMemberAccount(): Loaded<MemberAccountView> {
  return useApi<MemberAccountView>('/v1/console/account');
}
