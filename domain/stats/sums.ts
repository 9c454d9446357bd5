// Records of counts and sums (moments, per-unit sums, CUPED cross products) merge field by field:
// that is what makes windows from many replicas add up. One definition, so a field added to such a
// record is merged without a second edit.

/** a + b, field by field, for a record whose fields are all numbers (the fields of `a` are summed). */
export function addSums<T extends { [K in keyof T]: number }>(a: T, b: T): T {
  const out = { ...a };
  for (const k of Object.keys(a) as Array<keyof T>) out[k] = (a[k] + b[k]) as T[keyof T];
  return out;
}
