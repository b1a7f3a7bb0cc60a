// orders.create and orders.list_mine: an order taken in the conversation (once per step of a
// message, whatever the redeliveries) and the customer's latest orders with their status in words.
import { DeliveryMethod, type Order } from "@fleet/contracts/commerce";
import { AppError, toAppError } from "@fleet/service-kit";
import type { ActionContext } from "../runtime/call-runner.js";
import { effectKey, parseCount, timestampMs, type ActionRuns } from "./action-helpers.js";
import type { Language } from "./definitions.js";
import type { FlowActionsDeps } from "./registry.js";
import { localDate, orderStatusLabel, priceText } from "./texts.js";

const MAX_QUANTITY = 100;

export function ordersActions({ commerce, logger }: FlowActionsDeps): ActionRuns<"orders.create" | "orders.list_mine"> {
  const totalText = (order: Order, language: Language) => (order.total ? priceText(order.total, language) : "");

  /** The shop's time zone, for the orders' dates; UTC when the settings cannot be read (a date is not worth failing the list). */
  async function timeZoneOf(context: ActionContext): Promise<string> {
    try {
      return (await commerce.getBusinessHours({ tenantId: context.tenantId })).timeZone || "UTC";
    } catch (error) {
      logger.warn("shop time zone unavailable, order dates in UTC", { tenantId: context.tenantId, code: toAppError(error).code });
      return "UTC";
    }
  }

  return {
    async "orders.create"(input, context) {
      const quantity = parseCount(input.quantity);
      if (quantity === null || quantity < 1 || quantity > MAX_QUANTITY) throw new AppError("invalid_argument", "QUANTITY_INVALID", `The quantity must be a whole number from 1 to ${MAX_QUANTITY}`);
      context.signal.throwIfAborted();
      // OUT_OF_STOCK comes back as it is: the flow branches on out_of_stock.
      const { order } = await commerce.createOrder({
        tenantId: context.tenantId,
        botId: context.botId,
        customerContact: context.contact,
        customerName: "",
        lines: [{ productId: input.product_id, quantity }],
        deliveryMethod: input.delivery === "delivery" ? DeliveryMethod.DELIVERY : DeliveryMethod.PICKUP,
        deliveryAddress: input.address?.trim() ?? "",
        notes: input.notes?.trim() ?? "",
        idempotencyKey: effectKey(context, "order", 180),
      });
      if (!order) throw new AppError("internal", "INTERNAL", "CreateOrder answered without an order");
      return { id: order.id, number: order.number, total_text: totalText(order, input.language), status_label: orderStatusLabel(order.status, input.language), quantity };
    },

    async "orders.list_mine"(input, context) {
      const [{ orders }, timeZone] = await Promise.all([commerce.listCustomerOrders({ tenantId: context.tenantId, customerContact: context.contact, limit: input.limit }), timeZoneOf(context)]);
      const views = orders.slice(0, input.limit).map((order) => ({
        number: order.number,
        status_label: orderStatusLabel(order.status, input.language),
        total_text: totalText(order, input.language),
        date: order.createTime ? localDate(timestampMs(order.createTime), timeZone) : "",
      }));
      return { count: views.length, orders: views };
    },
  };
}
