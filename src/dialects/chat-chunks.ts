/**
 * The chat dialect's streamed answer: OpenAI `chat.completion.chunk` objects, built one at a time as the
 * result arrives. The first announces the assistant, text and images follow as content deltas (an image
 * as its Markdown data URL in `content` plus `images[]`, the same data the whole reply carries), the last
 * carries finish_reason (and usage when the client asked with stream_options.include_usage).
 */
import { newId } from '../domain/ids.js';
import type { ChatUsage } from './chat-completions.js';

export interface ChatChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: Array<{
    index: 0;
    delta: { role?: 'assistant'; content?: string; refusal?: null; images?: Array<{ type: 'image_url'; image_url: { url: string } }> };
    /** Sent as null on every chunk, as OpenAI's streams do: image models have no token log probabilities. */
    logprobs: null;
    finish_reason: 'stop' | null;
  }>;
  usage?: ChatUsage;
  imagegate?: { request_id: string; billing?: { billing_transaction_id: string; amount: number; currency: string; unit: 'micro' } };
}

export class ChatChunks {
  readonly id = newId('chatcmpl').replace('chatcmpl_', 'chatcmpl-');
  readonly created = Math.floor(Date.now() / 1000);
  /** Whether any content went out yet: an image after text is set apart by a blank line, as in the whole reply. */
  private wroteContent = false;

  constructor(private readonly model: string) {}

  private chunk(delta: ChatChunk['choices'][number]['delta'], finish: 'stop' | null = null): ChatChunk {
    return {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    };
  }

  role(): ChatChunk {
    // The opening chunk names the role and an empty refusal, as OpenAI's first chunk does.
    return this.chunk({ role: 'assistant', content: '', refusal: null });
  }

  text(text: string): ChatChunk {
    if (text) this.wroteContent = true;
    return this.chunk({ content: text });
  }

  image(dataUrl: string): ChatChunk {
    const content = `${this.wroteContent ? '\n\n' : ''}![image](${dataUrl})`;
    this.wroteContent = true;
    return this.chunk({ content, images: [{ type: 'image_url', image_url: { url: dataUrl } }] });
  }

  finish(usage: ChatUsage | undefined, imagegate: NonNullable<ChatChunk['imagegate']>): ChatChunk {
    return { ...this.chunk({}, 'stop'), ...(usage ? { usage } : {}), imagegate };
  }
}
