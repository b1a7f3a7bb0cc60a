// The flows' server state: the list, one flow with its versions and one version's document,
// saving a draft, activating a version, validating a document as it is typed (a query keyed by the
// text, so an unchanged text is not sent again) and running a simulation.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError, api, unwrap, type Schemas } from "../../api/client";
import { useAuth } from "../../auth/auth";

export type Flow = Schemas["Flow"];
export type FlowVersionSummary = Schemas["FlowVersionSummary"];
export type FlowProblem = Schemas["FlowProblem"];
export type FlowSimulation = Schemas["FlowSimulation"];
export type SimulatedInput = Schemas["SimulatedInput"];
export type BotReply = Schemas["BotReply"];

export const flowsKey = ["flows", "list"] as const;
const flowKey = (flowId: string) => ["flows", flowId] as const;

export function useFlows() {
  return useQuery({ queryKey: flowsKey, queryFn: async () => unwrap(await api.GET("/api/flows")) });
}

/** The flow and its versions, newest first. */
export function useFlow(flowId: string) {
  return useQuery({
    queryKey: [...flowKey(flowId), "overview"],
    queryFn: async () => unwrap(await api.GET("/api/flows/{flowId}", { params: { path: { flowId } } })),
  });
}

/** One version with its document (waits until the version to open is known). */
export function useFlowVersion(flowId: string, version: number | undefined) {
  return useQuery({
    queryKey: [...flowKey(flowId), "version", version ?? 0],
    enabled: version !== undefined,
    queryFn: async () => {
      const answer = unwrap(await api.GET("/api/flows/{flowId}", { params: { path: { flowId }, query: { version: version ?? 1 } } }));
      if (!answer.version) throw new Error(`version ${version ?? 1} missing from the answer`);
      return answer.version;
    },
  });
}

export function useInstallDefaults() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async () => unwrap(await api.POST("/api/flows/defaults", { body: {} })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["flows"] }),
  });
}

/** The users' names by id, to say who saved or activated a version (managers only may list users). */
export function useUserNames() {
  const { can, me } = useAuth();
  const users = useQuery({
    queryKey: ["users", "list"],
    enabled: can("users:read"),
    queryFn: async () => unwrap(await api.GET("/api/users")),
    staleTime: 60_000,
  });
  const names = new Map<string, string>((users.data?.users ?? []).map((user) => [user.id, user.displayName || user.email]));
  if (me) names.set(me.id, me.displayName || me.email);
  return names;
}

/** Saves a draft; `onSaved` learns the version stored (before the flow is fetched again). */
export function useSaveDraft(flowId: string, onSaved: (version: number) => void) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (input: { definition: Record<string, unknown>; expectedVersion: number; expectedRevision: number }) =>
      unwrap(await api.PUT("/api/flows/{flowId}", { params: { path: { flowId } }, body: input })),
    onSuccess: async (answer) => {
      onSaved(answer.version.version);
      await queryClient.invalidateQueries({ queryKey: ["flows"] });
    },
  });
}

export type SaveDraft = ReturnType<typeof useSaveDraft>;

export function useActivate(flowId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (version: number) => unwrap(await api.POST("/api/flows/{flowId}/versions/{version}/activate", { params: { path: { flowId, version } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["flows"] }),
  });
}

/** The orchestrator's verdict on a document (not stored); disabled while `definition` is null. */
export function useValidation(flowId: string, definition: Record<string, unknown> | null, text: string) {
  return useQuery({
    queryKey: [...flowKey(flowId), "validate", text],
    enabled: definition !== null,
    queryFn: async () => unwrap(await api.POST("/api/flows/{flowId}/validate", { params: { path: { flowId } }, body: { definition: definition ?? {} } })),
    placeholderData: keepPreviousData,
    staleTime: Infinity,
    gcTime: 30_000,
    retry: false,
  });
}

export function useSimulation(flowId: string) {
  return useMutation({
    mutationFn: async (input: { version: number; inputs: SimulatedInput[] }) =>
      unwrap(await api.POST("/api/flows/{flowId}/simulate", { params: { path: { flowId } }, body: input })),
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The problems of a FLOW_INVALID answer (details.problems), if the error is one. */
export function flowProblemsOf(error: unknown): FlowProblem[] {
  if (!(error instanceof ApiError) || !isObject(error.details) || !Array.isArray(error.details["problems"])) return [];
  return error.details["problems"].flatMap((problem: unknown) =>
    isObject(problem) && typeof problem["path"] === "string" && typeof problem["message"] === "string"
      ? [{ path: problem["path"], code: typeof problem["code"] === "string" ? problem["code"] : "", message: problem["message"] }]
      : [],
  );
}
