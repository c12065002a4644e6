/** The console session: read, sign in, sign out. The cookie is HttpOnly; the app only ever sees the view. */
import { ApiError, getJson, sendJson, setCsrfToken } from './client.js';
import type { ConsoleSessionView, SignInBody, SignUpBody } from './types.js';

/** The current session, or null when there is none (401) — any other failure is thrown. */
export async function loadSession(): Promise<ConsoleSessionView | null> {
  try {
    return adopt(await getJson<ConsoleSessionView>('/v1/console/session'));
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}

export async function signIn(body: SignInBody): Promise<ConsoleSessionView> {
  return adopt(await sendJson<ConsoleSessionView>('POST', '/v1/console/sign-in', body));
}

/** Makes a member (with an invite, or a new account when sign-up is open) and signs them in. */
export async function signUp(body: SignUpBody): Promise<ConsoleSessionView> {
  return adopt(await sendJson<ConsoleSessionView>('POST', '/v1/console/sign-up', body));
}

export async function signOut(everywhere: boolean): Promise<void> {
  await sendJson<void>('POST', everywhere ? '/v1/console/sign-out-everywhere' : '/v1/console/sign-out');
  setCsrfToken(null);
}

function adopt(s: ConsoleSessionView): ConsoleSessionView {
  setCsrfToken(s.csrf_token);
  return s;
}
