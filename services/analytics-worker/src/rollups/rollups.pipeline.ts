// Aggregation pipelines that recompute the live rollups from the events stored in MongoDB: per
// tenant and UTC hour bucket (YYYYMMDDHH) in a window, exactly the fields fold-event.ts folds (with
// the same validation of attributes), the hour's active bots, and conv_converted by the definition
// in @fleet/contracts (ROLLUP_FIELDS.conversationsConverted). Pure data, so the very same objects run
// on MongoDB for the reconciliation and on mingo in the parity test against the real fold.
// Needs MongoDB 5.2 ($sortArray; compose runs 7). Every operator used here exists in both; literals
// inside objects are $literal (MongoDB could read a bare 1 or false there as a projection flag);
// conditions that could fail on a wrong type ($regexMatch on a number, $trunc on a string) sit behind
// $and, which both evaluate lazily. The timezone of $dateToString is left out: both default to UTC,
// and mingo does not accept the name "UTC".
import { CONVERSION_WINDOW_MS, RESPONSE_MS_BOUNDS, ROLLUP_FIELDS, responseBucketField } from "@fleet/contracts";
import type { PipelineStage } from "../kpis/messages-per-tenant.pipeline.js";
import { eventCollections } from "../repositories/events.repository.js";
import { COUNTED_FIELD, type FoldedEventType } from "./fold-event.js";

/** One field of one tenant's hour, as the counter and conversion pipelines return it. */
export interface HourFieldRow {
  tenantId: string;
  hour: string;
  field: string;
  value: number;
}

/** The bots of one tenant's hour, as the bots pipeline returns it. */
export interface HourBotsRow {
  tenantId: string;
  hour: string;
  bots: string[];
}

const [firstCollection, ...otherCollections] = eventCollections;
/** Where the counter and bot pipelines run; they take the other event collections in with $unionWith. */
export const ROLLUP_PIPELINE_COLLECTION = firstCollection;
/** Where the conversion pipeline runs: conversations and orders are both stored there (see collectionFor). */
export const CONVERSION_PIPELINE_COLLECTION = "analytics_events";

const FOLDED_TYPES = Object.keys(COUNTED_FIELD) as FoldedEventType[];

// The same bounds as fold-event.ts's schemas.
const MAX_RESPONSE_MS = 24 * 3600 * 1000;
const CURRENCY_PATTERN = "^[A-Za-z]{3}$";

const hourOf = (date: string) => ({ $dateToString: { format: "%Y%m%d%H", date } });
const one = { $literal: 1 };

function windowMatch(from: Date, to: Date): PipelineStage {
  if (!(from.getTime() < to.getTime())) throw new RangeError(`the window must end after it starts: ${from.toISOString()} .. ${to.toISOString()}`);
  return { $match: { occurredAt: { $gte: from, $lt: to }, type: { $in: FOLDED_TYPES } } };
}

/** The window's folded events of every collection: the first one's match, then the others' in. */
function foldedEventsIn(from: Date, to: Date): PipelineStage[] {
  const match = windowMatch(from, to);
  return [match, ...otherCollections.map((coll) => ({ $unionWith: { coll, pipeline: [match] } }))];
}

const responseMs = "$attributes.response_ms";
const validResponse = {
  $and: [{ $eq: ["$type", "message.sent"] }, { $isNumber: responseMs }, { $gte: [responseMs, 0] }, { $lte: [responseMs, MAX_RESPONSE_MS] }],
};
const histogramField = {
  $switch: {
    branches: RESPONSE_MS_BOUNDS.map((bound) => ({ case: { $lte: [responseMs, bound] }, then: responseBucketField(bound) })),
    default: responseBucketField("inf"),
  },
};

const totalMinor = "$attributes.totalMinor";
const currency = "$attributes.currency";
const validSale = {
  $and: [
    { $eq: ["$type", "order.created"] },
    { $isNumber: totalMinor },
    { $gte: [totalMinor, 0] },
    { $lte: [totalMinor, Number.MAX_SAFE_INTEGER] },
    { $eq: [{ $trunc: [totalMinor, 0] }, totalMinor] },
    { $eq: [{ $type: currency }, "string"] },
    { $regexMatch: { input: currency, regex: CURRENCY_PATTERN } },
  ],
};

/**
 * Rows of {@link HourFieldRow}: every counter field the fold writes (sales:<CUR> included, not
 * conv_converted) per tenant and hour of the events in [from, to), sorted by tenant, hour, field.
 */
export function rollupCountersPipeline(from: Date, to: Date): PipelineStage[] {
  return [
    ...foldedEventsIn(from, to),
    {
      $project: {
        _id: 0,
        tenantId: 1,
        hour: hourOf("$occurredAt"),
        increments: {
          $concatArrays: [
            [{ k: { $switch: { branches: FOLDED_TYPES.map((type) => ({ case: { $eq: ["$type", type] }, then: COUNTED_FIELD[type] })) } }, v: one }],
            {
              $cond: [
                validResponse,
                [
                  { k: ROLLUP_FIELDS.responseMsSum, v: responseMs },
                  { k: ROLLUP_FIELDS.responseCount, v: one },
                  { k: histogramField, v: one },
                ],
                [],
              ],
            },
            { $cond: [validSale, [{ k: { $concat: ["sales:", { $toUpper: currency }] }, v: totalMinor }], []] },
          ],
        },
      },
    },
    { $unwind: "$increments" },
    { $group: { _id: { tenantId: "$tenantId", hour: "$hour", field: "$increments.k" }, value: { $sum: "$increments.v" } } },
    { $project: { _id: 0, tenantId: "$_id.tenantId", hour: "$_id.hour", field: "$_id.field", value: 1 } },
    { $sort: { tenantId: 1, hour: 1, field: 1 } },
  ];
}

/** Rows of {@link HourBotsRow}: the bots named by folded events of [from, to), per tenant and hour. */
export function activeBotsPipeline(from: Date, to: Date): PipelineStage[] {
  return [
    ...foldedEventsIn(from, to),
    { $match: { botId: { $type: "string", $ne: "" } } },
    { $group: { _id: { tenantId: "$tenantId", hour: hourOf("$occurredAt") }, bots: { $addToSet: "$botId" } } },
    { $project: { _id: 0, tenantId: "$_id.tenantId", hour: "$_id.hour", bots: 1 } },
    { $sort: { tenantId: 1, hour: 1 } },
  ];
}

/**
 * Rows of {@link HourFieldRow} with field conv_converted: the conversations started in [from, to)
 * that converted, per tenant and hour of their start. Each contact's conversations and orders are
 * walked in time order (a conversation before an order at the same instant, conversations at the same
 * instant by event id, like the fold): an order credits the conversation in hand when it started at
 * most CONVERSION_WINDOW_MS before, once. Orders up to the window after `to` count; conversations
 * after `to` are read too, as they end the one before.
 */
export function conversionsPipeline(from: Date, to: Date): PipelineStage[] {
  if (!(from.getTime() < to.getTime())) throw new RangeError(`the window must end after it starts: ${from.toISOString()} .. ${to.toISOString()}`);
  const isConversation = { $eq: ["$$this.o", 0] };
  const creditable = {
    $and: [
      { $ne: ["$$value.conv", null] },
      { $eq: ["$$value.conv.credited", false] },
      { $lte: [{ $subtract: ["$$this.t", "$$value.conv.t"] }, CONVERSION_WINDOW_MS] },
    ],
  };
  return [
    {
      $match: {
        type: { $in: ["conversation.started", "order.created"] },
        contact: { $type: "string", $ne: "" },
        occurredAt: { $gte: from, $lte: new Date(to.getTime() + CONVERSION_WINDOW_MS) },
      },
    },
    { $project: { _id: 0, tenantId: 1, contact: 1, event: { t: "$occurredAt", o: { $cond: [{ $eq: ["$type", "conversation.started"] }, 0, 1] }, id: "$_id" } } },
    { $group: { _id: { tenantId: "$tenantId", contact: "$contact" }, events: { $push: "$event" } } },
    {
      $project: {
        converted: {
          $reduce: {
            input: { $sortArray: { input: "$events", sortBy: { t: 1, o: 1, id: 1 } } },
            initialValue: { conv: null, list: [] },
            in: {
              $cond: [
                isConversation,
                { conv: { t: "$$this.t", credited: { $literal: false } }, list: "$$value.list" },
                {
                  $cond: [
                    creditable,
                    { conv: { t: "$$value.conv.t", credited: { $literal: true } }, list: { $concatArrays: ["$$value.list", ["$$value.conv.t"]] } },
                    "$$value",
                  ],
                },
              ],
            },
          },
        },
      },
    },
    { $unwind: "$converted.list" },
    { $match: { "converted.list": { $gte: from, $lt: to } } },
    { $group: { _id: { tenantId: "$_id.tenantId", hour: hourOf("$converted.list") }, value: { $sum: 1 } } },
    { $project: { _id: 0, tenantId: "$_id.tenantId", hour: "$_id.hour", field: { $literal: ROLLUP_FIELDS.conversationsConverted }, value: 1 } },
    { $sort: { tenantId: 1, hour: 1 } },
  ];
}
