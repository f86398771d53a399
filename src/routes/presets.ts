import { createRoute, z } from "@hono/zod-openapi";
import { findPreset, PRESETS } from "../domain/presets.ts";
import { createRouter, jsonContent, problemResponses } from "../lib/openapi.ts";
import { pathId } from "../lib/params.ts";
import { ApiError } from "../lib/problem.ts";
import { publicCache } from "../lib/response-headers.ts";

export const PresetSchema = z
  .object({
    id: z.string().openapi({ example: "exam-mode" }),
    name: z.string().openapi({ example: "Exam Mode" }),
    kind: z.string().openapi({ example: "exam" }),
    description: z.string(),
    outputProfile: z.object({
      summary_style: z.string(),
      sections: z.array(z.string()),
      chunking: z.string(),
      question_focus: z.boolean(),
    }),
  })
  .openapi("Preset");

const list = createRoute({
  method: "get",
  path: "/presets",
  tags: ["presets"],
  security: [],
  summary: "The five study presets",
  middleware: [publicCache()] as const,
  responses: { 200: jsonContent(z.object({ presets: z.array(PresetSchema) }), "All presets, in a fixed order.") },
});

const get = createRoute({
  method: "get",
  path: "/presets/{preset_id}",
  tags: ["presets"],
  security: [],
  summary: "One preset",
  middleware: [publicCache()] as const,
  request: { params: z.object({ preset_id: pathId("preset_not_found", "exam-mode") }) },
  responses: { 200: jsonContent(PresetSchema, "The preset."), ...problemResponses(404) },
});

export const presetRoutes = createRouter()
  .openapi(list, (c) => c.json({ presets: [...PRESETS] }, 200))
  .openapi(get, (c) => {
    const preset = findPreset(c.req.valid("param").preset_id);
    if (!preset) throw new ApiError("preset_not_found");
    return c.json(preset, 200);
  });
