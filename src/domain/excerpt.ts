/**
 * What of a client's own input may appear in an error message: a short excerpt with control characters
 * and anything that looks like a data URL or base64 blob taken out, so an error never carries a client's
 * megabytes back (or into the logs) and cannot forge log lines.
 */
const KEEP = 64;

export function excerpt(text: string, keep = KEEP): string {
  const head = text.slice(0, keep * 2);
  const clean = head
    .replace(/data:[^,\s]{0,100},?\S*/gi, 'data:…')
    .replace(/[A-Za-z0-9+/=_-]{40,}/g, '…')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this replaces.
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');
  const cut = clean.length > keep ? `${clean.slice(0, keep)}…` : clean;
  return text.length > head.length && !cut.endsWith('…') ? `${cut}…` : cut;
}
