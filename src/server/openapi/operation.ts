/**
 * How one endpoint is described for the OpenAPI document: its request (path and query parameters, a JSON or
 * multipart body) and every answer it gives, errors included, as zod schemas. Who may call it is not written
 * here: the document reads it from the audience the route declared (audience.ts), so the two cannot differ.
 */
import type { z } from 'zod';
import type { ErrorCode } from '../../domain/errors.js';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** A successful answer: JSON described by a schema, or another media type (images, CSV, HTML, event streams). */
export interface ApiAnswer {
  description: string;
  /** The JSON body. */
  json?: z.ZodType;
  /**
   * The data of each server-sent event, when this status may answer as `text/event-stream` (as OpenAI's
   * own document describes its streams: the media type's schema is that of one event's data).
   */
  events?: z.ZodType;
  /** Other media types this status may answer with, each with an optional schema (a string for text). */
  other?: Record<string, z.ZodType | undefined>;
  /** Response headers worth naming (e.g. `location` on a 202). */
  headers?: Record<string, string>;
}

export interface ApiOperation {
  /** The route as Fastify has it (`/v1/tasks/:id`, `/v1/models/*`): the key that ties this to the route. */
  route: `${HttpMethod} /${string}`;
  /** Unique, camelCase: `createImage`, `listAccounts`. */
  id: string;
  tag: string;
  summary: string;
  description?: string;
  /** Path parameters by name; a wildcard (`*`) is named here too, as `path` in the document. */
  params?: z.ZodObject;
  query?: z.ZodObject;
  /** Request headers the operation reads beyond authentication (e.g. `idempotency-key`), by lower-case name. */
  headers?: z.ZodObject;
  body?: { json?: z.ZodType; multipart?: z.ZodType; required?: boolean };
  /** Successful answers by status. */
  answers: Partial<Record<200 | 201 | 202 | 204 | 302 | 301, ApiAnswer>>;
  /**
   * The errors this operation's own logic can answer with. The ones every route of its audience shares
   * (a missing key, a signed-out session, a failing database) and the body-parsing ones are added by the
   * document builder.
   */
  errors: ErrorCode[];
}
