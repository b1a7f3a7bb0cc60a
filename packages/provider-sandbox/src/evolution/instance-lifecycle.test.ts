// Component tests of instances and auth over HTTP: create, connect (a real QR code PNG), the
// phone linking, state, logout, delete, fetchInstances, and the apikey guard.
import { describe, it, expect } from "@jest/globals";
import { inflateSync } from "node:zlib";
import QRCode from "qrcode";
import request from "supertest";
import { createEvolutionSandbox, type EvolutionSandboxOptions } from "./evolution.routes.js";
import { QR_IMAGE_OPTIONS } from "./qr-code.js";
import { silentLogger } from "../logger.js";

const KEY = "global-api-key";

function sandbox(overrides: Partial<EvolutionSandboxOptions> = {}) {
  return createEvolutionSandbox({ globalApiKey: KEY, logger: silentLogger, ...overrides });
}

type App = ReturnType<typeof sandbox>["app"];

const create = (app: App, body: object, key: string | null = KEY) => {
  const req = request(app).post("/instance/create");
  return (key === null ? req : req.set("apikey", key)).send(body);
};

const get = (app: App, path: string, key: string | null = KEY) => {
  const req = request(app).get(path);
  return key === null ? req : req.set("apikey", key);
};

const del = (app: App, path: string, key: string = KEY) => request(app).delete(path).set("apikey", key);

/** Decodes the PNG of a data URL into RGBA pixels (8-bit truecolour or greyscale, any filter). */
function decodePng(dataUrl: string) {
  const match = /^data:image\/png;base64,(.+)$/.exec(dataUrl);
  if (match?.[1] === undefined) throw new Error("not a PNG data URL");
  const png = Buffer.from(match[1], "base64");
  expect(png.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
  let offset = 8;
  let width = 0;
  let height = 0;
  let colourType = 0;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString("latin1", offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect(data[8]).toBe(8);
      colourType = data[9] ?? -1;
    }
    if (type === "IDAT") idat.push(data);
    offset += 12 + length;
  }
  const channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[colourType];
  if (channels === undefined) throw new Error(`unsupported colour type ${colourType}`);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const value = raw[y * (stride + 1) + 1 + x] ?? 0;
      const left = x >= channels ? (pixels[y * stride + x - channels] ?? 0) : 0;
      const up = y > 0 ? (pixels[(y - 1) * stride + x] ?? 0) : 0;
      const upLeft = x >= channels && y > 0 ? (pixels[(y - 1) * stride + x - channels] ?? 0) : 0;
      const paeth = () => {
        const p = left + up - upLeft;
        const [pa, pb, pc] = [Math.abs(p - left), Math.abs(p - up), Math.abs(p - upLeft)];
        return pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
      };
      const predictor = [0, left, up, (left + up) >> 1, paeth()][filter ?? 0] ?? 0;
      pixels[y * stride + x] = (value + predictor) & 0xff;
    }
  }
  const dark = (x: number, y: number) => {
    const at = y * stride + x * channels;
    const grey = channels <= 2 ? (pixels[at] ?? 0) : ((pixels[at] ?? 0) + (pixels[at + 1] ?? 0) + (pixels[at + 2] ?? 0)) / 3;
    return grey < 128;
  };
  return { width, height, dark };
}

describe("instance lifecycle", () => {
  it("creates an instance closed, answering Evolution's creation shape with the instance token as hash", async () => {
    const { app } = sandbox();
    const res = await create(app, { instanceName: "shop", integration: "WHATSAPP-BAILEYS" });

    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      instance: {
        instanceName: "shop",
        instanceId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
        integration: "WHATSAPP-BAILEYS",
        webhookWaBusiness: null,
        accessTokenWaBusiness: "",
        status: "close",
      },
      hash: expect.stringMatching(/^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/),
      webhook: {},
      websocket: {},
      rabbitmq: {},
      sqs: {},
      settings: { rejectCall: false, msgCall: "", groupsIgnore: false, alwaysOnline: false, readMessages: false, readStatus: false, syncFullHistory: false, wavoipToken: "" },
    });
    expect((await get(app, "/instance/connectionState/shop")).body).toEqual({ instance: { instanceName: "shop", state: "close" } });
  });

  it("connects with a QR code whose PNG encodes the code, then opens when the phone scans it, logs out and deletes", async () => {
    const { app } = sandbox();
    await create(app, { instanceName: "shop", integration: "WHATSAPP-BAILEYS", token: "shop-token" }).expect(201);

    const connect = await get(app, "/instance/connect/shop");
    expect(connect.status).toBe(200);
    expect(connect.body).toEqual({ pairingCode: null, code: expect.stringMatching(/^2@[^,]+,[^,]+,[^,]+,[^,]+$/), base64: expect.stringMatching(/^data:image\/png;base64,/), count: 1 });

    const png = decodePng(connect.body.base64);
    const modules = QRCode.create(connect.body.code, { errorCorrectionLevel: "H" }).modules;
    const { margin, scale } = QR_IMAGE_OPTIONS;
    expect([png.width, png.height]).toEqual([(modules.size + 2 * margin) * scale, (modules.size + 2 * margin) * scale]);
    const mismatches: string[] = [];
    for (let row = 0; row < modules.size; row++) {
      for (let col = 0; col < modules.size; col++) {
        const centre = (n: number) => (n + margin) * scale + scale / 2;
        if (png.dark(centre(col), centre(row)) !== (modules.get(row, col) === 1)) mismatches.push(`${row},${col}`);
      }
    }
    expect(mismatches).toEqual([]);
    expect(png.dark(1, 1)).toBe(false);

    expect((await get(app, "/instance/connectionState/shop")).body.instance.state).toBe("connecting");
    expect((await get(app, "/instance/connect/shop")).body).toEqual(connect.body);

    const link = await request(app).post("/_sandbox/evolution/instances/shop/link").send({ number: "5511999990000", profileName: "Pizzaria" });
    expect(link.body).toEqual({ instance: { instanceName: "shop", state: "open" } });
    expect((await get(app, "/instance/connectionState/shop", "shop-token")).body).toEqual({ instance: { instanceName: "shop", state: "open" } });
    expect((await get(app, "/instance/connect/shop")).body).toEqual({ instance: { instanceName: "shop", state: "open" } });

    const deleteOpen = await del(app, "/instance/delete/shop");
    expect(deleteOpen.status).toBe(400);
    expect(deleteOpen.body).toEqual({ status: 400, error: "Bad Request", response: { message: ['The "shop" instance needs to be disconnected'] } });

    const logout = await del(app, "/instance/logout/shop");
    expect(logout.status).toBe(200);
    expect(logout.body).toEqual({ status: "SUCCESS", error: false, response: { message: "Instance logged out" } });
    expect((await get(app, "/instance/connectionState/shop")).body.instance.state).toBe("close");
    const again = await del(app, "/instance/logout/shop");
    expect([again.status, again.body.response.message]).toEqual([400, ['The "shop" instance is not connected']]);

    const deleted = await del(app, "/instance/delete/shop");
    expect(deleted.body).toEqual({ status: "SUCCESS", error: false, response: { message: "Instance deleted" } });
    const gone = await get(app, "/instance/connectionState/shop");
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({ status: 404, error: "Not Found", response: { message: ['The "shop" instance does not exist'] } });
  });

  it("creates straight into connecting with qrcode:true, and gives an 8-character pairing code when a number is given", async () => {
    const { app } = sandbox();
    const res = await create(app, { instanceName: "shop", integration: "WHATSAPP-BAILEYS", qrcode: true, number: "5511999990000" });

    expect(res.status).toBe(201);
    expect(res.body.instance.status).toBe("connecting");
    expect(res.body.qrcode).toEqual({
      pairingCode: expect.stringMatching(/^[1-9A-HJ-NP-TV-Z]{8}$/),
      code: expect.stringMatching(/^2@/),
      base64: expect.stringMatching(/^data:image\/png;base64,/),
      count: 1,
    });
    await request(app).post("/_sandbox/evolution/instances/shop/link").send({}).expect(200);
    const [info] = (await get(app, "/instance/fetchInstances")).body;
    expect(info).toMatchObject({ name: "shop", connectionStatus: "open", ownerJid: "5511999990000@s.whatsapp.net", number: "5511999990000" });
  });

  it("gives a pairing code when connect is called with ?number=", async () => {
    const { app } = sandbox();
    await create(app, { instanceName: "shop" }).expect(201);
    const res = await get(app, "/instance/connect/shop?number=5511999990000");
    expect(res.body).toMatchObject({ pairingCode: expect.stringMatching(/^[1-9A-HJ-NP-TV-Z]{8}$/), count: 1 });
  });

  it("counts QR codes as WhatsApp rotates them and refuses the session past QRCODE_LIMIT", async () => {
    const { app } = sandbox({ qrCodeLimit: 2 });
    await create(app, { instanceName: "shop", qrcode: true }).expect(201);

    const second = await request(app).post("/_sandbox/evolution/instances/shop/qr-refresh").send();
    expect(second.body).toMatchObject({ count: 2, code: expect.stringMatching(/^2@/) });
    const refused = await request(app).post("/_sandbox/evolution/instances/shop/qr-refresh").send();
    expect(refused.body).toEqual({ instance: { instanceName: "shop", state: "close" } });
    expect((await get(app, "/instance/connect/shop")).body.count).toBe(1);
  });

  it("unlinking from the phone closes the instance, and a new connect shows a new QR code", async () => {
    const { app } = sandbox();
    await create(app, { instanceName: "shop", qrcode: true }).expect(201);
    await request(app).post("/_sandbox/evolution/instances/shop/link").send({}).expect(200);

    expect((await request(app).post("/_sandbox/evolution/instances/shop/unlink").send()).body).toEqual({ instance: { instanceName: "shop", state: "close" } });
    const [info] = (await get(app, "/instance/fetchInstances?instanceName=shop")).body;
    expect(info).toMatchObject({ connectionStatus: "close", disconnectionReasonCode: 401 });
    const reconnect = await get(app, "/instance/connect/shop");
    expect(reconnect.body).toMatchObject({ count: 2, base64: expect.stringMatching(/^data:image\/png/) });
  });

  it("rejects a second instance with the same name with 403, before checking the apikey", async () => {
    const { app } = sandbox();
    await create(app, { instanceName: "shop" }).expect(201);
    for (const key of [KEY, null]) {
      const res = await create(app, { instanceName: "shop" }, key);
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ status: 403, error: "Forbidden", response: { message: ['This name "shop" is already in use.'] } });
    }
  });

  it("rejects invalid creation bodies in jsonschema's words", async () => {
    const { app } = sandbox();
    const empty = await create(app, { instanceName: "" });
    expect(empty.status).toBe(400);
    expect(empty.body).toEqual({ status: 400, error: "Bad Request", response: { message: [['The "instanceName" cannot be empty']] } });
    const typed = await create(app, { instanceName: "x", qrcode: "yes" });
    expect(typed.body.response.message).toEqual([["qrcode is not of a type(s) boolean"]]);
    const business = await create(app, { instanceName: "x", integration: "WHATSAPP-BUSINESS" });
    expect(business.status).toBe(400);
  });

  it("answers Evolution's 404 for unknown paths and the raw parser error for a body that is not JSON", async () => {
    const { app } = sandbox();
    const unknown = await request(app).post("/message/sendPoll/shop").set("apikey", KEY).send({});
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ status: 404, error: "Not Found", response: { message: ["Cannot POST /message/sendPoll/shop"] } });

    const broken = await request(app).post("/instance/create").set("apikey", KEY).set("content-type", "application/json").send("{not json");
    expect(broken.status).toBe(400);
    expect(broken.body).toEqual({ status: 400, error: "Internal Server Error", response: { message: expect.stringContaining("JSON") } });
  });
});

describe("apikey guard", () => {
  async function twoInstances() {
    const sb = sandbox();
    const a = (await create(sb.app, { instanceName: "a" })).body.hash as string;
    const b = (await create(sb.app, { instanceName: "b", token: "token-b" })).body.hash as string;
    return { ...sb, a, b };
  }

  it("answers 401 with Evolution's body when the apikey is missing or wrong", async () => {
    const { app } = await twoInstances();
    for (const key of [null, "wrong-key"]) {
      const res = await get(app, "/instance/connectionState/a", key);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ status: 401, error: "Unauthorized", response: { message: "Unauthorized" } });
    }
  });

  it("accepts an instance's own token on its endpoints only, and the global key everywhere", async () => {
    const { app, a, b } = await twoInstances();
    expect(b).toBe("token-b");
    expect((await get(app, "/instance/connectionState/a", a)).status).toBe(200);
    expect((await get(app, "/instance/connectionState/b", a)).status).toBe(401);
    expect((await get(app, "/webhook/find/b", b)).status).toBe(200);
    expect((await get(app, "/instance/connectionState/b", KEY)).status).toBe(200);
    expect((await create(app, { instanceName: "c" }, a)).status).toBe(401);
  });

  it("checks that the instance exists before the apikey (404 beats 401)", async () => {
    const { app } = await twoInstances();
    const res = await get(app, "/instance/connectionState/nope", null);
    expect(res.status).toBe(404);
  });

  it("lists every instance for the global key and only its own for an instance token", async () => {
    const { app, a } = await twoInstances();
    const all = await get(app, "/instance/fetchInstances");
    expect(all.body.map((i: { name: string }) => i.name)).toEqual(["a", "b"]);
    expect(all.body[1]).toMatchObject({ name: "b", token: "token-b", connectionStatus: "close", integration: "WHATSAPP-BAILEYS", _count: { Message: 0, Contact: 0, Chat: 0 } });
    const own = await get(app, "/instance/fetchInstances", a);
    expect(own.body.map((i: { name: string }) => i.name)).toEqual(["a"]);
    expect((await get(app, "/instance/fetchInstances", "wrong")).status).toBe(401);
    const missing = await get(app, "/instance/fetchInstances?instanceName=zzz");
    expect([missing.status, missing.body.response.message]).toEqual([404, ['Instance "zzz" not found']]);
  });
});
