/** Journal records of orchestration: messages, dead letters, lifecycle, scheduling, child runs. */

export type OrchestrationBody = never;
