/**
 * The INI dialect of ~/.aws/credentials and ~/.aws/config: `[section]` headers, `key = value` lines, `#` and
 * `;` comments. Indented lines under a key with no value are a nested block (`s3 =` settings); they belong to
 * no credential and are skipped.
 */
export type IniSections = Map<string, Record<string, string>>;

export function parseIni(text: string): IniSections {
  const sections: IniSections = new Map();
  let current: Record<string, string> | undefined;
  let nested = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/^\uFEFF/, '');
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#') || trimmed.startsWith(';')) continue;
    const header = /^\[([^\]]+)\]\s*([#;].*)?$/.exec(trimmed);
    if (header) {
      const name = header[1]!.trim();
      current = sections.get(name) ?? {};
      sections.set(name, current);
      nested = false;
      continue;
    }
    if (nested && /^\s/.test(line)) continue;
    const eq = trimmed.indexOf('=');
    if (!current || eq < 1) continue;
    const key = trimmed.slice(0, eq).trim().toLowerCase();
    const value = trimmed.slice(eq + 1).trim();
    nested = value === '';
    if (!nested) current[key] = value;
  }
  return sections;
}
