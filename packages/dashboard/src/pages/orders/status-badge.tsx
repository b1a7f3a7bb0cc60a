// An order's status as a coloured badge with its translated name.
import { useTranslation } from "react-i18next";
import type { OrderStatus } from "./orders.queries";

export function StatusBadge({ status }: { status: OrderStatus }) {
  const { t } = useTranslation();
  return <span className={`badge order-${status}`}>{t(`orders.status.${status}`)}</span>;
}
