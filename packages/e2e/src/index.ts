export * from "./browser.js";
export * from "./customer.js";
export * from "./fleet.js";
export * from "./flows.js";
export * from "./shop.js";
