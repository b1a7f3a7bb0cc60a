// Middlewares run one after another as one handler: what an express Router
// does for handlers mounted without paths, without its per-layer path matching
// and bookkeeping (the API's every request passes through these).
import type { NextFunction, Request, RequestHandler, Response } from "express";

/**
 * `handlers` in order; each goes on with `next()`. An error — passed to `next`, thrown, or a
 * rejected promise — skips the rest and goes to the error handlers; after the last, what follows.
 */
export function inSequence(...handlers: RequestHandler[]): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    let index = 0;
    const step = (error?: unknown): void => {
      if (error !== undefined && error !== null) {
        next(error);
        return;
      }
      const handler = handlers[index++];
      if (!handler) {
        next();
        return;
      }
      try {
        const handled = handler(req, res, step) as unknown;
        if (handled instanceof Promise) handled.catch(step);
      } catch (thrown) {
        step(thrown ?? new Error("a middleware threw nothing"));
      }
    };
    step();
  };
}
