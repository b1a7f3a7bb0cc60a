// MongoDB connection, opened only when configured: the driver is loaded
// lazily so a worker without Mongo starts as fast as the others.
import type { Db, MongoClient } from "mongodb";
import type { Logger } from "@fleet/service-kit";

export interface MongoConnection {
  client: MongoClient;
  db: Db;
  /**
   * Resolves once connected; cheap when already connected. The driver closes its topology when the
   * first connection fails and never retries by itself, so whoever needs MongoDB calls this first:
   * a worker started during an outage then recovers when MongoDB returns.
   */
  connect(): Promise<void>;
}

export function mongoConnection(client: MongoClient, dbName: string): MongoConnection {
  return {
    client,
    db: client.db(dbName),
    connect: async () => {
      await client.connect();
    },
  };
}

export async function connectMongo(url: string, dbName: string, logger: Logger): Promise<MongoConnection> {
  const { MongoClient } = await import("mongodb");
  const connection = mongoConnection(new MongoClient(url, { serverSelectionTimeoutMS: 2000, appName: "analytics-worker" }), dbName);
  // Not awaited: the worker must start (and report mongo "down") while Mongo is unreachable.
  connection.connect().catch((error: unknown) => logger.warn("mongo connection failed", { error: error instanceof Error ? error.message : String(error) }));
  return connection;
}

export function mongoCheck(connection: MongoConnection): () => Promise<unknown> {
  return async () => {
    await connection.connect();
    return connection.db.command({ ping: 1 });
  };
}
