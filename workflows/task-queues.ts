/** Workflows plus notify/store activities: latency-sensitive, never blocked by model work. */
export const CORE_TASK_QUEUE = 'vigil-core';
/** CPU-heavy anomaly-model work, on its own workers. */
export const ML_TASK_QUEUE = 'vigil-ml';
