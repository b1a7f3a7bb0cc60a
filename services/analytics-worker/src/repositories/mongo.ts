// MongoDB connection, opened only when configured: the driver is loaded
// lazily so a worker without Mongo starts as fast as the others.
import type { Db, MongoClient } from "mongodb";
import type { Logger } from "@fleet/service-kit";

export interface MongoConnection {
  client: MongoClient;
  db: Db;
}

export async function connectMongo(url: string, dbName: string, logger: Logger): Promise<MongoConnection> {
  const { MongoClient } = await import("mongodb");
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 2000, appName: "analytics-worker" });
  // connect() is not awaited: the worker must start (and report mongo "down") while Mongo is unreachable.
  client.connect().catch((error: unknown) => logger.warn("mongo connection failed", { error: error instanceof Error ? error.message : String(error) }));
  return { client, db: client.db(dbName) };
}

export function mongoCheck(connection: MongoConnection): () => Promise<unknown> {
  return () => connection.db.command({ ping: 1 });
}
