export async function runRecoverySweep(_env: Record<string, unknown>, _at: number) {}
