// The error a call failed with, for tests that assert on codes.
import { AppError } from "@fleet/service-kit";

/** The AppError a call rejected with (fails the test when it resolved, rethrows any other error). */
export async function rejectionOf(call: Promise<unknown>): Promise<AppError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected the call to fail, but it succeeded");
}
