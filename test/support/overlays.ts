/** Catalog overlay YAML that several end-to-end tests build on. */

/** A priced text-to-image model served by the fake OpenAI upstream as gpt-image-1 (a `models:` entry). */
export function openaiImageModel(name: string, perImage: number, opts: { maxN?: number } = {}): string {
  return `  ${name}:
    owned_by: test
    routes: [{ provider: openai, upstream_model: gpt-image-1 }]
    operations: { text-to-image: { endpoint: /v1/images/generations } }
${opts.maxN ? `    n: { max: ${opts.maxN} }\n` : ''}    price: { per_image: ${perImage} }
`;
}

/** An overlay of these `models:` entries, with OpenAI tried once per request so a test sees each failure. */
export function overlayOf(...models: string[]): string {
  return `models:\n${models.join('')}providers:\n  openai: { retries: 0 }\n`;
}
