// How every fake answers a send: the send is carried out and recorded at once, only the HTTP answer
// waits for the configured delay (like a slow provider, settable through PUT …/latency). A scripted
// "drop_connection" fault answers nothing: the socket is destroyed, so the client cannot tell
// whether the send went out.
import type { Request } from "express";

export type HttpAnswer = { httpStatus: number; body: unknown };

/** A send's outcome as the HTTP layer sees it: an answer, or a connection to drop unanswered. */
export type SendAnswer = HttpAnswer | { dropConnection: true };

export class ResponseDelay {
  #ms: number;

  constructor(ms = 0) {
    this.#ms = ms;
  }

  set(ms: number): void {
    this.#ms = ms;
  }

  /** After the delay, passes `reply` to `respond` or drops the connection; then runs `afterAnswer`. */
  answer(req: Request, reply: SendAnswer, respond: (answer: HttpAnswer) => void, afterAnswer?: () => void): void {
    const answer = () => {
      if ("dropConnection" in reply) req.socket.destroy();
      else respond(reply);
      afterAnswer?.();
    };
    if (this.#ms > 0) setTimeout(answer, this.#ms);
    else answer();
  }
}
