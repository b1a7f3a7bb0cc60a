// Pages that list orders, customers or sellers stay current while open: a live event of a matching
// type (order.created, order.status_changed, seller.assigned, seller.released) refetches the
// queries under a key. Events that were already there when the page opened are not replayed.
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { useLiveEvents } from "../../live/live";

export function useLiveRefresh(typePrefixes: readonly string[], queryKeys: readonly (readonly unknown[])[]): void {
  const queryClient = useQueryClient();
  const events = useLiveEvents();
  const newest = events.find((event) => typePrefixes.some((prefix) => event.type.startsWith(prefix)))?.id;
  const seen = useRef(newest);
  const keys = JSON.stringify(queryKeys);
  useEffect(() => {
    if (newest === undefined || newest === seen.current) return;
    seen.current = newest;
    for (const queryKey of JSON.parse(keys) as unknown[][]) void queryClient.invalidateQueries({ queryKey });
  }, [newest, keys, queryClient]);
}
