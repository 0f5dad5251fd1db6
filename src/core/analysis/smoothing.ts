/**
 * TensorBoard's smoothing, debiased: e_t = w·e_{t−1} + (1−w)·x_t from e_0 = 0, shown as e_t / (1 − w^t).
 * Non-finite values pass through unsmoothed and do not disturb the average. For display only.
 */
export function smoothDebiased(values: readonly number[], weight: number): number[] {
  if (weight <= 0) return [...values];
  let average = 0;
  let count = 0;
  return values.map((value) => {
    if (!Number.isFinite(value)) return value;
    count++;
    average = weight * average + (1 - weight) * value;
    return average / (1 - weight ** count);
  });
}
