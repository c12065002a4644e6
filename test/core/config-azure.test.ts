import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';

describe('Azure OpenAI settings from the environment', () => {
  it('defaults the api-version to the first one with GPT Image generations and edits', () => {
    expect(loadConfig({}).azureApiVersion).toBe('2025-04-01-preview');
  });

  it('reads OPENAI_API_VERSION as the Azure and OpenAI SDKs do, ignoring surrounding space', () => {
    expect(loadConfig({ OPENAI_API_VERSION: ' 2024-10-21 ' }).azureApiVersion).toBe('2024-10-21');
  });
});
