declare module "vitest" {
  interface ProvidedContext {
    gatewayPort: number;
    openaiPort: number;
    s3Port: number;
  }
}
export {};
