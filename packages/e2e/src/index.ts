export * from "./customer.js";
export * from "./fleet.js";
