import { createRoute, z } from "@hono/zod-openapi";
import { lectureKey } from "../auth/authenticate.ts";
import { getExportForDownload } from "../db/exports.ts";
import { EXPORT_FORMATS } from "../domain/exports/index.ts";
import { createRouter, problemResponses } from "../lib/openapi.ts";
import { pathId } from "../lib/params.ts";
import { ApiError } from "../lib/problem.ts";

const download = createRoute({
  method: "get",
  path: "/exports/{lecture_id}/{export_type}",
  tags: ["exports"],
  summary: "Download an export: the file (r2 mode) or a presigned URL valid 900 s (s3 mode)",
  request: {
    params: z.object({
      lecture_id: pathId("lecture_not_found", "lec-001"),
      export_type: pathId("export_not_found", "markdown").openapi({ description: "markdown, anki, pdf or json" }),
    }),
  },
  responses: {
    200: {
      description: "The file, with Content-Disposition: attachment (r2 mode), or `{downloadUrl}` (s3 mode).",
      content: {
        "application/json": { schema: z.object({ downloadUrl: z.string().url() }).openapi("ExportDownload") },
        "text/markdown": { schema: z.string() },
        "text/csv": { schema: z.string() },
        "application/pdf": { schema: z.string().openapi({ format: "binary" }) },
      },
    },
    ...problemResponses(404),
  },
});

export const exportRoutes = createRouter().openapi(download, async (c) => {
  const svc = c.var.services();
  const { lecture_id, export_type } = c.req.valid("param");
  if (!Object.hasOwn(EXPORT_FORMATS, export_type)) throw new ApiError("export_not_found");
  const format = EXPORT_FORMATS[export_type as keyof typeof EXPORT_FORMATS];
  const { lectureExists, row } = await getExportForDownload(svc.db, lectureKey(c, lecture_id), export_type);
  if (!lectureExists) throw new ApiError("lecture_not_found");
  if (!row) throw new ApiError("export_not_found");
  const key = svc.storage.keyOf(row.storage_path);

  if (svc.storage.mode === "s3") {
    const downloadUrl = key ? await svc.storage.presignGet(key, 900).catch(() => null) : null;
    if (!downloadUrl) throw new ApiError("export_url_unavailable");
    return c.json({ downloadUrl }, 200);
  }

  const object = key ? await svc.storage.get(key) : null;
  if (!object) throw new ApiError("export_file_missing");
  const filename = key!.split("/").pop()!;
  return new Response(object.body, {
    status: 200,
    headers: {
      "content-type": format.contentType,
      "content-length": String(object.size),
      "content-disposition": `attachment; filename="${filename.replace(/["\\]/g, "_")}"`,
    },
  }) as never;
});
