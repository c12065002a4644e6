/**
 * What an operator lets the members of an account give their own API keys: which models, and the highest
 * limits. A member's key is checked against it when made; a limit the member leaves out takes the policy's
 * cap, so a key made within the policy never has more than it allows.
 */
import { z } from 'zod';
import { invalidRequest } from './errors.js';

const cap = z.number().int().positive().nullable();

/** null everywhere (the default): any model, any limits. */
export const KeyPolicySchema = z
  .object({
    models: z.array(z.string().min(1)).nullable().default(null),
    max_rpm: cap.default(null),
    max_ipm: cap.default(null),
    max_concurrency: cap.default(null),
    allow_drop_unsupported: z.boolean().default(true),
    allow_callback_url: z.boolean().default(true),
  })
  .strict();

export type KeyPolicy = z.output<typeof KeyPolicySchema>;

export const NO_KEY_POLICY: KeyPolicy = KeyPolicySchema.parse({});

/** The stored JSON (null: none set) as the policy in force. */
export function parseKeyPolicy(stored: string | null): KeyPolicy {
  return stored === null ? NO_KEY_POLICY : KeyPolicySchema.parse(JSON.parse(stored));
}

/** The key attributes a policy speaks about, as the admin API names them. */
export interface PolicedKeyAttributes {
  models?: string[] | null;
  rpm?: number | null;
  ipm?: number | null;
  max_concurrency?: number | null;
  drop_unsupported?: boolean;
  callback_url?: string | null;
}

const LIMITS = [
  ['rpm', 'max_rpm', 'requests per minute'],
  ['ipm', 'max_ipm', 'images per minute'],
  ['max_concurrency', 'max_concurrency', 'requests at once'],
] as const;

/**
 * The attributes of a member's new key within the policy: a capped limit or model list left out takes the
 * policy's value. Anything beyond the policy is a 400 naming the attribute.
 */
export function withinKeyPolicy<T extends PolicedKeyAttributes>(policy: KeyPolicy, attrs: T): T {
  const out: T = { ...attrs };
  if (policy.models !== null) {
    const allowed = policy.models;
    if (attrs.models === undefined) out.models = allowed;
    else if (attrs.models === null || attrs.models.length === 0)
      throw invalidRequest('models', `This account's keys may use only these models: ${allowed.join(', ')}. Name some of them in models.`);
    else {
      const outside = attrs.models.filter((m) => !allowed.includes(m));
      if (outside.length > 0)
        throw invalidRequest('models', `This account's keys may not use ${outside.join(', ')}: the models allowed are ${allowed.join(', ')}.`);
    }
  }
  for (const [field, capField, what] of LIMITS) {
    const max = policy[capField];
    if (max === null) continue;
    const asked = attrs[field];
    if (asked === undefined) out[field] = max;
    else if (asked === null || asked > max) throw invalidRequest(field, `${field}: this account's keys may have at most ${max} ${what}.`);
  }
  if (attrs.drop_unsupported === true && !policy.allow_drop_unsupported)
    throw invalidRequest('drop_unsupported', "drop_unsupported: this account's keys may not drop unsupported fields.");
  if (attrs.callback_url != null && !policy.allow_callback_url)
    throw invalidRequest('callback_url', "callback_url: this account's keys may not set a default callback URL.");
  return out;
}
