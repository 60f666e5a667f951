/** Journal records of the planning and reflection engines. */

export type PlanningBody = never;
