/**
 * The 400 for a field outside a model's contract. Strict is the default, so the refusal itself says how to
 * have such fields dropped instead: a caller who meets it first should not need the docs to find the switch.
 */
import { type GatewayError, unsupportedField } from '../domain/errors.js';

const DROP_OPTION =
  'To have fields a model does not take dropped instead (listed in the x-imagegate-dropped-fields response header), ' +
  'use a key with drop_unsupported on (`imagegate keys create --drop-unsupported`, or PATCH /v1/admin/keys/{id} with {"drop_unsupported": true}), ' +
  'or start the gateway with IMAGEGATE_DROP_UNSUPPORTED=1.';

export function outsideContract(param: string, message: string): GatewayError {
  return unsupportedField(param, `${message} ${DROP_OPTION}`);
}
