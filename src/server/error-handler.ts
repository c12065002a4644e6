/**
 * Every failure leaves the server in the OpenAI error shape, including the ones Fastify raises itself
 * (bad JSON, wrong content type, oversized bodies, over-long URL parameters), the ones Node's HTTP parser
 * raises before there is a request (header overflow, malformed requests, timeouts) and unknown routes.
 */
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError, toGatewayError } from '../domain/errors.js';
import { excerpt } from '../domain/excerpt.js';
import { discardRest } from './discard-body.js';

function fromFastify(err: FastifyError): GatewayError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new GatewayError('payload_too_large', 'The request body is larger than this gateway accepts.', { param: null });
    case 'FST_REQ_FILE_TOO_LARGE':
      return new GatewayError('payload_too_large', 'An uploaded file is larger than 50 MB, the most any model accepts.');
    case 'FST_PARTS_LIMIT':
    case 'FST_FILES_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return new GatewayError('payload_too_large', 'The multipart body has too many parts: at most 16 images, a mask and 40 fields.');
    case 'FST_PROTO_VIOLATION':
      return new GatewayError('invalid_request', 'A multipart field name is not allowed.');
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return new GatewayError('invalid_request', 'The body is not multipart/form-data.');
    case 'FST_MP_PREMATURE_CLOSE':
      return new GatewayError('invalid_request', 'The multipart body ended before it was complete.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new GatewayError(
        'unsupported_media_type',
        'Content-Type is not supported here; send application/json (or multipart/form-data on the edit and variation endpoints).',
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new GatewayError('invalid_request', 'The request body is empty; send a JSON object.');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new GatewayError('invalid_request', 'The Content-Length header does not match the body.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      // Fastify's own message repeats this one and keeps nothing of where the JSON broke, so it is not appended.
      return new GatewayError('invalid_request', 'The request body is not valid JSON: send one JSON object, with double-quoted names and no trailing comma.');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new GatewayError('uri_too_long', 'A path segment of the URL is longer than this gateway accepts (100 characters).');
    case 'FST_ERR_BAD_URL':
      return new GatewayError('invalid_request', 'The URL path is not validly percent-encoded.');
  }
  // busboy reports truncated or malformed multipart bodies as plain errors.
  if (/Unexpected end of (form|multipart)|Malformed part header|Multipart: Boundary not found/i.test(err.message)) {
    return new GatewayError('invalid_request', `The multipart body is malformed: ${excerpt(err.message)}.`);
  }
  if (err instanceof SyntaxError || (err as { statusCode?: number }).statusCode === 400) {
    return new GatewayError('invalid_request', `The request body could not be read: ${excerpt(err.message)}`);
  }
  if ((err as { statusCode?: number }).statusCode === 413)
    return new GatewayError('payload_too_large', 'The request body is larger than this gateway accepts.');
  return undefined;
}

export function sendError(reply: FastifyReply, e: GatewayError): FastifyReply {
  if (e.headers) reply.headers(e.headers);
  // Refused before its body was all read (a 401 in a hook, a multipart part refused mid-body, a 413) and more
  // than discard-body.ts drops: reading on would wait for whatever the client still sends, at its pace, so the
  // connection ends with this answer.
  if (!reply.request.raw.complete) reply.header('connection', 'close');
  if (e.retryAfterMs !== undefined && e.status === 429 && !e.headers?.['retry-after']) {
    reply.header('retry-after', String(Math.max(1, Math.ceil(e.retryAfterMs / 1000))));
  }
  return reply.code(e.status).type('application/json').send(e.toBody());
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const e = err instanceof GatewayError ? err : (fromFastify(err) ?? toGatewayError(err));
    // Already answered outside Fastify (a body that stalled gets its 408 from server/http-server.ts).
    if (reply.sent) return reply;
    if (req.raw.socket?.destroyed) {
      // The client hung up (a timeout on its side, or a load generator stopping): its work was cancelled and
      // refunded. That is an everyday event, not a gateway fault; 499 is what proxies log for it.
      req.log.info({ code: e.code }, 'client disconnected before the answer');
      reply.errorCode = 'client_closed_request';
      return reply.code(499).send();
    }
    if (e.status >= 500) req.log.error({ err: e.cause ?? e, code: e.code }, 'request failed');
    reply.errorCode = e.code;
    reply.errorMessage = e.message;
    // Refused part-way through its body: the client reads the answer only once it has finished sending.
    if (!req.raw.complete) {
      // The connection closes with the answer whether or not the rest arrives in time: it was refused mid-body.
      reply.header('connection', 'close');
      return discardRest(req.raw).then(() => (reply.sent ? reply : sendError(reply, e)));
    }
    return sendError(reply, e);
  });
  app.setNotFoundHandler((req, reply) => {
    reply.errorCode = 'not_found';
    return sendError(reply, new GatewayError('not_found', `There is no ${req.method} ${excerpt(req.url.split('?')[0]!)} endpoint on this gateway.`));
  });
}

/** Fastify's own routing failures (an over-long path parameter, a malformed URL), in the OpenAI shape. */
export function frameworkErrors(err: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  const e = fromFastify(err) ?? toGatewayError(err);
  reply.errorCode = e.code;
  reply.errorMessage = e.message;
  sendError(reply, e);
}

/** What Node's HTTP parser refuses before a request exists, as a 4xx in the OpenAI shape. */
function fromClientError(err: NodeJS.ErrnoException): GatewayError {
  switch (err.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new GatewayError('request_timeout', 'The request did not arrive in time; send its headers and body without long pauses.');
    case 'HPE_HEADER_OVERFLOW':
      return new GatewayError(
        'header_fields_too_large',
        'The request line and headers are larger than this gateway accepts (16 KB); shorten the URL or the headers.',
      );
    default:
      return new GatewayError('invalid_request', 'The request is not valid HTTP/1.1.');
  }
}

/**
 * Fastify's clientErrorHandler: the socket has no request or reply object yet, so the answer is written as
 * raw HTTP and the connection closed.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const e = fromClientError(err);
  const body = JSON.stringify(e.toBody());
  const head = [
    `HTTP/1.1 ${e.status} ${STATUS_TEXT[e.status] ?? 'Error'}`,
    'Connection: close',
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  // A response already under way (a timeout while it was written) cannot take a second one.
  if (socket.writable && !(socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent)
    socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
  else socket.destroy();
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

declare module 'fastify' {
  interface FastifyReply {
    /** The error code and message sent, for the request log. */
    errorCode?: string;
    errorMessage?: string;
  }
}
