/** The client API (a client key): images, chat, tasks, files, models, balance and usage. */
import { z } from 'zod';
import type { ApiOperation } from '../operation.js';
import { Balance, UsageQuery, UsageReport } from '../schemas/accounts.js';
import { IdParams } from '../schemas/common.js';
import { Binary, FileDeleted, FileList, FileListQuery, FileObject, FileUploadRequest } from '../schemas/files.js';
import {
  ChatCompletion,
  ChatRequest,
  DashScopeRequest,
  DashScopeResponse,
  EditsJsonRequest,
  EditsMultipartRequest,
  ChatStreamEvent,
  ImageStreamEvent,
  GenerationsRequest,
  ImagesResponse,
  Task,
  TaskList,
  VariationsMultipartRequest,
} from '../schemas/images.js';
import { Model, ModelList } from '../schemas/models.js';

/** What every image request can be refused or fail with once it reaches the pipeline. */
const IMAGE_ERRORS = [
  'invalid_request',
  'unsupported_field',
  'content_policy_violation',
  'no_image_generated',
  'insufficient_balance',
  'MODEL_ACCESS_DENIED',
  'model_not_found',
  'idempotency_conflict',
  'rate_limit_exceeded',
  'upstream_error',
  'upstream_timeout',
  'service_unavailable',
] as const;

/** The image endpoints answer a repeated key with the first request's answer, never a second charge. */
const idempotency = z.object({
  'idempotency-key': z
    .string()
    .optional()
    .describe('Makes a retry safe: a repeat with the same key and body gets the first answer (or its task) again; another body is a 409.'),
});

const charged = { 'x-billing-transaction-id': 'The hold taken for the request, when it was charged.' };

const queued = {
  description: 'Queued as a task (`async`, `callback_url`, an async model, or a sync request that outlived its wait): poll `poll_url`.',
  json: Task,
  headers: { location: 'The task to poll.', 'x-billing-transaction-id': 'The hold taken for the task.' },
};

export const clientOperations: ApiOperation[] = [
  {
    route: 'POST /v1/images/generations',
    id: 'createImage',
    tag: 'Images',
    summary: 'Generate images from a prompt (and reference images)',
    description:
      "OpenAI's images request, or DashScope's native one (`input.messages`, answered in DashScope's shape). Send `Idempotency-Key` to make a retry safe.",
    headers: idempotency,
    body: { json: z.union([GenerationsRequest, DashScopeRequest]), required: true },
    answers: {
      200: {
        headers: charged,
        description: 'The images; with `stream: true`, server-sent events ending in the finished images.',
        json: z.union([ImagesResponse, DashScopeResponse]),
        events: ImageStreamEvent,
      },
      202: queued,
    },
    errors: [...IMAGE_ERRORS],
  },
  {
    route: 'POST /v1/images/edits',
    id: 'editImage',
    tag: 'Images',
    summary: 'Edit images (with an optional mask)',
    headers: idempotency,
    body: { multipart: EditsMultipartRequest, json: EditsJsonRequest, required: true },
    answers: {
      200: { headers: charged, description: 'The edited images, or a stream with `stream`.', json: ImagesResponse, events: ImageStreamEvent },
      202: queued,
    },
    errors: [...IMAGE_ERRORS, 'payload_too_large'],
  },
  {
    route: 'POST /v1/images/variations',
    id: 'createImageVariation',
    tag: 'Images',
    summary: 'Variations of one image',
    headers: idempotency,
    body: { multipart: VariationsMultipartRequest, required: true },
    answers: { 200: { headers: charged, description: 'The variations.', json: ImagesResponse }, 202: queued },
    errors: [...IMAGE_ERRORS, 'payload_too_large'],
  },
  {
    route: 'POST /v1/chat/completions',
    id: 'createChatCompletion',
    tag: 'Chat',
    summary: 'Images through the chat completions API',
    headers: idempotency,
    body: { json: ChatRequest, required: true },
    answers: {
      200: {
        headers: charged,
        description: 'A chat completion whose message holds the images; chunks as server-sent events with `stream`.',
        json: ChatCompletion,
        events: ChatStreamEvent,
      },
      202: queued,
    },
    errors: [...IMAGE_ERRORS],
  },
  {
    route: 'GET /v1/tasks',
    id: 'listTasks',
    tag: 'Tasks',
    summary: "The key's account's tasks, newest first",
    query: z.object({
      status: z.enum(['pending', 'running', 'succeeded', 'failed', 'canceled']).optional(),
      after: z.string().optional(),
      limit: z.coerce.number().int().min(1).max(100).optional().describe('default 20'),
    }),
    answers: { 200: { description: 'A page of tasks.', json: TaskList } },
    errors: ['invalid_request'],
  },
  {
    route: 'GET /v1/tasks/:id',
    id: 'getTask',
    tag: 'Tasks',
    summary: 'Poll a task',
    params: IdParams,
    answers: { 200: { description: 'The task; once succeeded, with its images.', json: Task } },
    errors: ['not_found'],
  },
  {
    route: 'GET /v1/images/tasks/:id',
    id: 'getImageTask',
    tag: 'Tasks',
    summary: "Poll a task (the seed documents' path)",
    params: IdParams,
    answers: { 200: { description: 'The task.', json: Task } },
    errors: ['not_found'],
  },
  {
    route: 'POST /v1/tasks/:id/cancel',
    id: 'cancelTask',
    tag: 'Tasks',
    summary: 'Cancel a pending or running task (its hold is refunded)',
    params: IdParams,
    description: 'A finished task cannot be canceled (400).',
    answers: { 200: { description: 'The task, canceled.', json: Task } },
    errors: ['not_found'],
  },
  {
    route: 'POST /v1/files',
    id: 'uploadFile',
    tag: 'Files',
    summary: 'Upload an image to use as an input',
    body: { multipart: FileUploadRequest, required: true },
    answers: { 200: { description: 'The stored file.', json: FileObject } },
    errors: ['invalid_request', 'payload_too_large'],
  },
  {
    route: 'GET /v1/files',
    id: 'listFiles',
    tag: 'Files',
    summary: "The account's files",
    query: FileListQuery,
    answers: { 200: { description: 'The files.', json: FileList } },
    errors: ['invalid_request'],
  },
  {
    route: 'GET /v1/files/:id',
    id: 'getFile',
    tag: 'Files',
    summary: 'One file',
    params: IdParams,
    answers: { 200: { description: 'The file.', json: FileObject } },
    errors: ['not_found'],
  },
  {
    route: 'GET /v1/files/:id/content',
    id: 'getFileContent',
    tag: 'Files',
    summary: "A file's bytes",
    params: IdParams,
    answers: { 200: { description: 'The image.', other: { 'image/png': Binary, 'image/jpeg': Binary, 'image/webp': Binary, 'image/gif': Binary } } },
    errors: ['not_found'],
  },
  {
    route: 'DELETE /v1/files/:id',
    id: 'deleteFile',
    tag: 'Files',
    summary: 'Delete a file',
    params: IdParams,
    answers: { 200: { description: 'Deleted.', json: FileDeleted } },
    errors: ['not_found'],
  },
  {
    route: 'GET /v1/models',
    id: 'listModels',
    tag: 'Models',
    summary: 'The models this gateway offers',
    query: z.object({ recommended_for: z.string().optional().describe('Only models tagged for this use.') }),
    answers: { 200: { description: 'The offered models, each with a summary of its contract.', json: ModelList } },
    errors: [],
  },
  {
    route: 'GET /v1/models/*',
    id: 'getModel',
    tag: 'Models',
    summary: 'One model with its public contract',
    description: 'Model ids may contain a slash (`openai/dall-e-3`): the id is the rest of the path.',
    params: z.object({ '*': z.string().describe('The model id or alias.') }),
    answers: { 200: { description: 'The model and everything a valid request for it needs.', json: Model } },
    errors: ['model_not_found'],
  },
  {
    route: 'GET /v1/balance',
    id: 'getBalance',
    tag: 'Account',
    summary: "The key's account's balance",
    answers: { 200: { description: 'Available and held money, in micro-units.', json: Balance } },
    errors: [],
  },
  {
    route: 'GET /v1/usage',
    id: 'getUsage',
    tag: 'Account',
    summary: "The key's account's usage, grouped",
    query: UsageQuery,
    answers: { 200: { description: 'Usage rows, one per group.', json: UsageReport } },
    errors: ['invalid_request'],
  },
];
