// Filled in by the criticality/statistics feature.
export {};
