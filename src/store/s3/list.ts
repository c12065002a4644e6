/**
 * The parts of a ListObjectsV2 answer the blob store reads. The document is S3's own, fixed shape; the
 * values it needs (keys, common prefixes, the continuation token) are plain text elements, so a scan for
 * those elements is all the XML this needs.
 */
import { unescapeXml, xmlText } from './xml.js';

export interface ListPage {
  keys: string[];
  prefixes: string[];
  /** Set when the listing goes on: pass it as continuation-token for the next page. */
  next: string | undefined;
}

export function parseListPage(xml: string): ListPage {
  const prefixes: string[] = [];
  for (const block of xml.matchAll(/<CommonPrefixes>([\s\S]*?)<\/CommonPrefixes>/g)) {
    const p = /<Prefix>([^<]*)<\/Prefix>/.exec(block[1]!);
    if (p) prefixes.push(unescapeXml(p[1]!));
  }
  const keys = [...xml.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => unescapeXml(m[1]!));
  const truncated = /<IsTruncated>\s*true\s*<\/IsTruncated>/.test(xml);
  const token = /<NextContinuationToken>([^<]*)<\/NextContinuationToken>/.exec(xml);
  return { keys, prefixes, next: truncated && token ? unescapeXml(token[1]!) : undefined };
}

/** S3's error document: `<Error><Code>…</Code><Message>…</Message></Error>`. */
export function errorCodeOf(xml: string): string | undefined {
  return xmlText(xml, 'Code');
}
