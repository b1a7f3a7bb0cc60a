import { describe, expect, it } from "@jest/globals";
import express, { type ErrorRequestHandler, type RequestHandler } from "express";
import request from "supertest";
import { inSequence } from "./in-sequence.js";

/** An app whose /run passes through `handlers` in sequence, then answers what they recorded. */
function appOf(...handlers: RequestHandler[]) {
  const app = express();
  app.use((_req, res, next) => {
    res.locals.trail = [];
    next();
  });
  app.use("/run", inSequence(...handlers));
  app.use((_req, res) => res.json({ trail: res.locals.trail, ended: "after" }));
  const onError: ErrorRequestHandler = (error: Error, _req, res, _next) => res.status(500).json({ trail: res.locals.trail, error: error.message });
  app.use(onError);
  return app;
}

const mark =
  (name: string): RequestHandler =>
  (_req, res, next) => {
    (res.locals.trail as string[]).push(name);
    next();
  };

describe("inSequence", () => {
  it("runs the handlers in order, then what follows", async () => {
    expect((await request(appOf(mark("a"), mark("b"), mark("c"))).get("/run")).body).toEqual({ trail: ["a", "b", "c"], ended: "after" });
  });

  it("lets a handler answer without going on", async () => {
    const answers: RequestHandler = (_req, res) => res.json({ answered: true });
    expect((await request(appOf(mark("a"), answers, mark("never"))).get("/run")).body).toEqual({ answered: true });
  });

  it("skips the rest on an error passed to next, thrown, or rejected, and hands it to the error handlers", async () => {
    const passes: RequestHandler = (_req, _res, next) => next(new Error("passed"));
    const throws: RequestHandler = () => {
      throw new Error("thrown");
    };
    const rejects: RequestHandler = async () => {
      await Promise.resolve();
      throw new Error("rejected");
    };
    for (const [failing, message] of [[passes, "passed"], [throws, "thrown"], [rejects, "rejected"]] as const) {
      const answer = await request(appOf(mark("a"), failing, mark("never"))).get("/run");
      expect(answer.status).toBe(500);
      expect(answer.body).toEqual({ trail: ["a"], error: message });
    }
  });

  it("serves only requests under the path it is mounted on, with the path trimmed", async () => {
    const seen: string[] = [];
    const app = appOf((req, _res, next) => {
      seen.push(req.path);
      next();
    });
    await request(app).get("/run/x/y");
    await request(app).get("/other");
    expect(seen).toEqual(["/x/y"]);
  });
});
