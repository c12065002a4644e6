/**
 * "Delivered means delivered": a synchronous reply's hold is settled only once the whole reply was handed to
 * the client's connection (the response's `finish`: every byte written to the socket), and refunded when the
 * connection closes before that or the reply that went out is not a success. A reply kept for Idempotency-Key
 * replays is delivered once it is stored: the client gets it by retrying with its key.
 */
import type { FastifyReply } from 'fastify';
import type { Settlement } from '../billing/settlement.js';
import type { ImageRequestTrace } from './image-request.js';

/**
 * Closes `settlement` by what happens to `reply`; resolves to the amount charged (0 when refunded). Arm it
 * right before the success reply is sent: nothing may settle it on another path.
 */
export function chargeOnDelivery(reply: FastifyReply, settlement: Settlement): Promise<number> {
  const res = reply.raw;
  // Node emits `finish` also when the connection broke with the last bytes still unsent (their write fails):
  // only a socket that is still whole at `finish` took the reply.
  const socket = res.socket;
  return new Promise<number>((resolve) => {
    const close = (delivered: boolean) => {
      res.off('finish', onFinish);
      res.off('close', onClose);
      const closing = delivered ? settlement.settle() : settlement.refund('refunded: the client was gone before the reply was delivered').then(() => 0);
      // A database failure leaves the hold open for the sweep, which refunds it: never charged twice, never
      // charged for nothing.
      closing.then(resolve, () => resolve(0));
    };
    const onFinish = () => close(res.statusCode >= 200 && res.statusCode < 300 && socket !== null && !socket.destroyed);
    const onClose = () => close(false);
    if (res.writableFinished || res.destroyed || !socket) return close(false);
    res.once('finish', onFinish);
    res.once('close', onClose);
  });
}

/** A reply kept for replays was stored: charge it now. */
export async function chargeKept(trace: ImageRequestTrace | undefined): Promise<void> {
  if (trace?.settlement && !trace.charged) await (trace.charged = trace.settlement.settle());
}

/** A success that failed before it could be delivered or kept (its storage failed): refund it. */
export async function refundUndelivered(trace: ImageRequestTrace | undefined): Promise<void> {
  if (trace?.settlement && !trace.charged) await (trace.charged = trace.settlement.refund('refunded: the reply was not delivered').then(() => 0));
}
