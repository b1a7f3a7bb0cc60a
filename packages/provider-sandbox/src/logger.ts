// Minimal JSON-lines logger: the sandbox stays free of the service kit so tests and the demo
// can start it without the fleet's shared packages being built.
export type LogFields = Record<string, unknown>;

export interface Logger {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

export function createJsonLogger(service: string, write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Logger {
  const log = (level: string) => (msg: string, fields: LogFields = {}) =>
    write(JSON.stringify({ level, time: new Date().toISOString(), service, msg, ...fields }));
  return { info: log("info"), warn: log("warn"), error: log("error") };
}

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };
