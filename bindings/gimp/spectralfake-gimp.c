/*
 * spectralfake-gimp.c - a GIMP 2.10 plug-in that scores the active drawable
 * with libspectralfake (include/spectralfake.h).
 *
 * Registers plug-in-spectralfake-score (Image > Analyze > Spectral fake
 * check...):
 *   in:  run-mode, image, drawable, model-file (string; "" = the model built
 *        into the library)
 *   out: verdict ("real", "fake", "uncertain"), probability-fake (float; -1
 *        for a model without probabilities), decision (float)
 * Every run mode attaches a persistent parasite "spectralfake-score" (JSON
 * text, NUL-terminated) to the image, so the result is saved in the XCF;
 * interactive runs also show the verdict and the notes in a message. Any
 * failure returns GIMP_PDB_EXECUTION_ERROR (or GIMP_PDB_CALLING_ERROR for
 * bad arguments) with a message that names the library's status; GIMP shows
 * it in interactive runs, Script-Fu raises it as an error.
 *
 * Build: cc -O2 spectralfake-gimp.c \
 *          $(pkg-config --cflags --libs gimp-2.0 gegl-0.4 json-glib-1.0 spectralfake)
 * (json-glib is a dependency of gegl-0.4 and always present with it.)
 */
#include <string.h>

#include <libgimp/gimp.h>
#include <gegl.h>
#include <json-glib/json-glib.h>

#include <spectralfake.h>

#define PROC_NAME     "plug-in-spectralfake-score"
#define PARASITE_NAME "spectralfake-score"
#define MENU_LABEL    "Spectral _fake check..."
#define MENU_PATH     "<Image>/Image/Analyze"

static void query (void);
static void run   (const gchar      *name,
                   gint              n_params,
                   const GimpParam  *param,
                   gint             *n_return_vals,
                   GimpParam       **return_vals);

const GimpPlugInInfo PLUG_IN_INFO = { NULL, NULL, query, run };

MAIN ()

static void
query (void)
{
  static const GimpParamDef args[] =
  {
    { GIMP_PDB_INT32,    "run-mode",   "The run mode { RUN-INTERACTIVE (0), RUN-NONINTERACTIVE (1), RUN-WITH-LAST-VALS (2) }" },
    { GIMP_PDB_IMAGE,    "image",      "Input image" },
    { GIMP_PDB_DRAWABLE, "drawable",   "Drawable to score (its own pixels: the layer, not the composite)" },
    { GIMP_PDB_STRING,   "model-file", "A spectralfake model file (JSON); empty for the model built into the library" }
  };
  static const GimpParamDef return_vals[] =
  {
    { GIMP_PDB_STRING, "verdict",          "\"real\", \"fake\" or \"uncertain\" (the model's verdict policy)" },
    { GIMP_PDB_FLOAT,  "probability-fake", "P(fake), calibrated; -1 when the model gives no probabilities" },
    { GIMP_PDB_FLOAT,  "decision",         "The classifier's decision value" }
  };

  gimp_install_procedure (PROC_NAME,
                          "Score a drawable as a real or generated (fake) face with libspectralfake",
                          "Reads the drawable as 8-bit pixels (higher precisions converted down by "
                          "GEGL/babl, indexed images through their palette, gray+alpha without its "
                          "alpha) and scores them with libspectralfake's spectral features and the "
                          "given model (the built-in one when the model file is empty). Returns the "
                          "verdict, P(fake) and the decision value, and attaches a persistent "
                          "\"" PARASITE_NAME "\" parasite (JSON) with the result to the image. "
                          "Interactive runs show the verdict and its notes in a message.",
                          "libspectralfake",
                          "libspectralfake",
                          "2025",
                          MENU_LABEL,
                          "RGB*, GRAY*, INDEXED*",
                          GIMP_PLUGIN,
                          G_N_ELEMENTS (args), G_N_ELEMENTS (return_vals),
                          args, return_vals);

  gimp_plugin_menu_register (PROC_NAME, MENU_PATH);
}

/* ------------------------------------------------------------ helpers */

/* The return values of a failed run: the status and the message, which
 * GIMP shows (interactive) or passes to the caller (Script-Fu errors). */
static void
fail (GimpParam *values, gint *n_return_vals, GimpPDBStatusType status, gchar *message)
{
  values[0].type = GIMP_PDB_STATUS;
  values[0].data.d_status = status;
  values[1].type = GIMP_PDB_STRING;
  values[1].data.d_string = message;  /* owned by the run; the process ends after it */
  *n_return_vals = 2;
}

/* "<what>: <library message> [SF_ERR_...]" for a library error. */
static gchar *
library_error (const gchar *what, const sf_error *err)
{
  const char *name = sf_status_name (err->status);
  return g_strdup_printf ("Spectral fake check: %s: %s [%s]", what,
                          err->message[0] ? err->message : sf_status_summary (err->status),
                          name ? name : "SF_ERR_UNKNOWN_STATUS");
}

/* A string member of the model's free metadata (or a number written as
 * text), as the command line names models; NULL when absent. */
static gchar *
metadata_text (JsonObject *meta, const gchar *key)
{
  JsonNode *node;

  if (meta == NULL || !json_object_has_member (meta, key))
    return NULL;
  node = json_object_get_member (meta, key);
  if (JSON_NODE_HOLDS_VALUE (node))
    {
      GType t = json_node_get_value_type (node);
      if (t == G_TYPE_STRING)
        return g_strdup (json_node_get_string (node));
      if (t == G_TYPE_INT64)
        return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
      if (t == G_TYPE_DOUBLE)
        {
          gchar buf[G_ASCII_DTOSTR_BUF_SIZE];
          return g_strdup (g_ascii_dtostr (buf, sizeof buf, json_node_get_double (node)));
        }
    }
  return NULL;
}

/* The model's name and version as `spectralfake score` reports them: the
 * metadata's "name" (else the file name without .json, else "built-in")
 * and its "version" (else "trained_at", else "exported_at"; may be NULL). */
static void
model_name_version (const sf_model *model, const gchar *path, gchar **name, gchar **version)
{
  sf_error    err;
  size_t      length = 0;
  JsonParser *parser = NULL;
  JsonObject *meta = NULL;
  gchar      *text = NULL;

  *name = *version = NULL;
  if (sf_model_metadata_json (model, NULL, 0, &length, &err) == SF_ERR_BUFFER_TOO_SMALL)
    {
      text = g_malloc (length + 1);
      if (sf_model_metadata_json (model, text, length + 1, &length, &err) == SF_OK)
        {
          parser = json_parser_new ();
          if (json_parser_load_from_data (parser, text, (gssize) length, NULL) &&
              JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
            meta = json_node_get_object (json_parser_get_root (parser));
        }
    }

  *name = metadata_text (meta, "name");
  if (*name == NULL)
    {
      if (path == NULL)
        *name = g_strdup ("built-in");
      else
        {
          gchar *base = g_path_get_basename (path);
          if (g_str_has_suffix (base, ".json"))
            base[strlen (base) - 5] = '\0';
          *name = base;
        }
    }
  *version = metadata_text (meta, "version");
  if (*version == NULL)
    *version = metadata_text (meta, "trained_at");
  if (*version == NULL)
    *version = metadata_text (meta, "exported_at");

  if (parser)
    g_object_unref (parser);
  g_free (text);
}

/* The drawable's pixels as 8-bit values for sf_model_score_pixels: a newly
 * allocated buffer (g_free) with *format, *stride and *size set, or NULL
 * with *message set. */
static guint8 *
read_pixels (gint32 drawable, gint width, gint height, int *format, size_t *stride, size_t *size,
             gchar **message)
{
  const Babl *space;
  const Babl *babl;
  GeglBuffer *buffer;
  guint8     *pixels;
  gboolean    gray = gimp_drawable_is_gray (drawable);
  gboolean    alpha = gimp_drawable_has_alpha (drawable);
  gint        bpp;

  /* Keep the image's own colour space: for an image without an embedded
   * profile (GIMP's built-in sRGB) these are plain sRGB "R'G'B' u8" etc.;
   * with a profile, the values are read in the profile's encoding instead
   * of being colour-converted to sRGB, as GIMP's own 8-bit PNG/JPEG export
   * writes them and as the library's file decoder reads files (it ignores
   * ICC profiles). Higher precisions and linear light are converted down to
   * 8-bit perceptual values by babl, as GIMP converts them; an indexed
   * drawable is expanded through its palette to RGB. */
  space = babl_format_get_space (gimp_drawable_get_format (drawable));

  if (gray)
    {
      /* The library has no gray+alpha pixel format: read "Y'A u8" and drop
       * the alpha below (never composited, as the library drops the alpha of
       * gray+alpha PNG files). */
      babl = babl_format_with_space (alpha ? "Y'A u8" : "Y' u8", space);
      bpp = alpha ? 2 : 1;
      *format = SF_PIXEL_GRAY8;
    }
  else
    {
      /* RGB and indexed; SF_PIXEL_RGBA8 ignores the alpha. */
      babl = babl_format_with_space (alpha ? "R'G'B'A u8" : "R'G'B' u8", space);
      bpp = alpha ? 4 : 3;
      *format = alpha ? SF_PIXEL_RGBA8 : SF_PIXEL_RGB8;
    }

  pixels = g_try_malloc ((gsize) width * (gsize) height * (gsize) bpp);
  if (pixels == NULL)
    {
      *message = g_strdup_printf ("Spectral fake check: out of memory reading a %dx%d drawable (%" G_GSIZE_FORMAT
                                  " bytes) [%s]", width, height, (gsize) width * (gsize) height * (gsize) bpp,
                                  sf_status_name (SF_ERR_OUT_OF_MEMORY));
      return NULL;
    }

  buffer = gimp_drawable_get_buffer (drawable);
  gegl_buffer_get (buffer, GEGL_RECTANGLE (0, 0, width, height), 1.0, babl, pixels,
                   GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  g_object_unref (buffer);

  if (gray && alpha)
    {
      gsize n = (gsize) width * (gsize) height;
      for (gsize i = 0; i < n; i++)
        pixels[i] = pixels[2 * i];
      bpp = 1;
    }

  *stride = (size_t) width * (size_t) bpp;
  *size = *stride * (size_t) height;
  return pixels;
}

/* The parasite's JSON text (NUL-terminated, g_free). */
static gchar *
result_json (const sf_score *score, const sf_model *model, const gchar *model_path,
             const gchar *model_name, const gchar *model_version, gint width, gint height, int format)
{
  JsonBuilder   *b = json_builder_new ();
  JsonGenerator *gen;
  JsonNode      *root;
  gchar         *text;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "verdict");
  json_builder_add_string_value (b, sf_verdict_name (score->verdict));
  json_builder_set_member_name (b, "probability_fake");
  if (score->has_probability)
    json_builder_add_double_value (b, score->probability_fake);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "decision");
  json_builder_add_double_value (b, score->decision);
  json_builder_set_member_name (b, "label");
  json_builder_add_string_value (b, sf_label_name (score->label));

  json_builder_set_member_name (b, "model");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, model_name);
  json_builder_set_member_name (b, "version");
  if (model_version)
    json_builder_add_string_value (b, model_version);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "file");
  if (model_path)
    json_builder_add_string_value (b, model_path);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "classifier");
  json_builder_add_string_value (b, sf_model_classifier (model));
  json_builder_end_object (b);

  /* notes: the note names; note_texts: their one-line summaries. */
  json_builder_set_member_name (b, "notes");
  json_builder_begin_array (b);
  for (uint32_t bit = 1; bit != 0; bit <<= 1)
    if ((score->notes & bit) && sf_note_name ((int) bit))
      json_builder_add_string_value (b, sf_note_name ((int) bit));
  json_builder_end_array (b);
  json_builder_set_member_name (b, "note_texts");
  json_builder_begin_array (b);
  for (uint32_t bit = 1; bit != 0; bit <<= 1)
    if ((score->notes & bit) && sf_note_summary ((int) bit))
      json_builder_add_string_value (b, sf_note_summary ((int) bit));
  json_builder_end_array (b);
  json_builder_set_member_name (b, "ood_distance");
  if (score->ood_distance >= 0)
    json_builder_add_double_value (b, score->ood_distance);
  else
    json_builder_add_null_value (b);

  json_builder_set_member_name (b, "pixels");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "width");
  json_builder_add_int_value (b, width);
  json_builder_set_member_name (b, "height");
  json_builder_add_int_value (b, height);
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, sf_pixel_format_name (format));
  json_builder_end_object (b);

  json_builder_set_member_name (b, "library_version");
  json_builder_add_string_value (b, sf_version_string ());
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  gen = json_generator_new ();
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, NULL);
  json_node_unref (root);
  g_object_unref (gen);
  g_object_unref (b);
  return text;
}

/* The interactive message: verdict, P(fake), decision, model and the notes
 * (their summaries, as the command line lists them). */
static gchar *
result_message (const sf_score *score, const gchar *model_name, const gchar *model_version)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "Spectral fake check: %s\n", sf_verdict_name (score->verdict));
  if (score->has_probability)
    g_string_append_printf (s, "P(fake) = %.3f, decision value %.4f\n", score->probability_fake, score->decision);
  else
    g_string_append_printf (s, "decision value %.4f (the model gives no probability)\n", score->decision);
  g_string_append_printf (s, "Model: %s%s%s (libspectralfake %s)", model_name,
                          model_version ? " " : "", model_version ? model_version : "", sf_version_string ());
  if (score->notes)
    {
      g_string_append (s, "\nNotes:");
      for (uint32_t bit = 1; bit != 0; bit <<= 1)
        if ((score->notes & bit) && sf_note_summary ((int) bit))
          g_string_append_printf (s, "\n  - %s (%s)", sf_note_summary ((int) bit), sf_note_name ((int) bit));
    }
  return g_string_free (s, FALSE);
}

/* ---------------------------------------------------------------- run */

static void
run (const gchar      *name,
     gint              n_params,
     const GimpParam  *param,
     gint             *n_return_vals,
     GimpParam       **return_vals)
{
  static GimpParam values[4];
  static gchar     verdict_buf[32];
  GimpRunMode      run_mode;
  gint32           image, drawable;
  gchar           *model_path = NULL;
  sf_model        *loaded = NULL;
  const sf_model  *model;
  sf_limits        limits;
  sf_score         score;
  sf_error         err;
  gint             width, height;
  int              format = SF_PIXEL_RGB8;
  size_t           stride = 0, size = 0;
  guint8          *pixels;
  gchar           *message = NULL;
  gchar           *model_name, *model_version, *json;
  GimpParasite    *parasite;

  *n_return_vals = 1;
  *return_vals = values;
  values[0].type = GIMP_PDB_STATUS;
  values[0].data.d_status = GIMP_PDB_SUCCESS;

  if (strcmp (name, PROC_NAME) != 0 || n_params < 3)
    {
      fail (values, n_return_vals, GIMP_PDB_CALLING_ERROR,
            g_strdup_printf ("Spectral fake check: %s needs run-mode, image, drawable and model-file", PROC_NAME));
      return;
    }
  run_mode = (GimpRunMode) param[0].data.d_int32;
  image = param[1].data.d_image;
  drawable = param[2].data.d_drawable;

  if (!gimp_image_is_valid (image) || !gimp_item_is_valid (drawable) || !gimp_item_is_drawable (drawable) ||
      gimp_item_get_image (drawable) != image)
    {
      fail (values, n_return_vals, GIMP_PDB_CALLING_ERROR,
            g_strdup ("Spectral fake check: the drawable is not a valid drawable of the image"));
      return;
    }

  /* The model file: the argument, or with RUN-WITH-LAST-VALS the file of
   * the last run (menu runs pass an empty string: the built-in model). */
  if (run_mode == GIMP_RUN_WITH_LAST_VALS)
    {
      gint n = gimp_get_data_size (PROC_NAME);
      if (n > 0)
        {
          model_path = g_malloc0 ((gsize) n + 1);
          gimp_get_data (PROC_NAME, model_path);
        }
    }
  else if (n_params > 3 && param[3].data.d_string)
    model_path = g_strdup (param[3].data.d_string);
  if (model_path && model_path[0] == '\0')
    g_clear_pointer (&model_path, g_free);

  gegl_init (NULL, NULL);

  /* Defaults, except the FFT planning: one image per plug-in process, so
   * plan with FFTW_ESTIMATE (no planning pause, bit-reproducible results). */
  if (sf_limits_init (&limits, sizeof limits, &err) != SF_OK)
    {
      fail (values, n_return_vals, GIMP_PDB_EXECUTION_ERROR, library_error ("initialising the limits", &err));
      return;
    }
  limits.fft_planning = SF_FFT_PLANNING_ESTIMATE;

  if (model_path)
    {
      if (sf_model_load_file (&limits, model_path, &loaded, &err) != SF_OK)
        {
          fail (values, n_return_vals, GIMP_PDB_EXECUTION_ERROR, library_error ("cannot load the model", &err));
          g_free (model_path);
          return;
        }
      model = loaded;
    }
  else
    {
      model = sf_model_default ();
      if (model == NULL)
        {
          fail (values, n_return_vals, GIMP_PDB_EXECUTION_ERROR,
                g_strdup_printf ("Spectral fake check: this libspectralfake has no usable built-in model [%s]",
                                 sf_status_name (SF_ERR_INTERNAL)));
          return;
        }
    }

  width = gimp_drawable_width (drawable);
  height = gimp_drawable_height (drawable);

  /* The library checks its size limits itself, but only once it has the
   * pixels: refuse oversized drawables before allocating their copy. */
  if ((limits.max_width && (guint64) width > limits.max_width) ||
      (limits.max_height && (guint64) height > limits.max_height))
    message = g_strdup_printf ("Spectral fake check: the drawable is %dx%d, over the library's limit of %ux%u [%s]",
                               width, height, limits.max_width, limits.max_height,
                               sf_status_name (SF_ERR_LIMIT_DIMENSION));
  else if (limits.max_pixels && (guint64) width * (guint64) height > limits.max_pixels)
    message = g_strdup_printf ("Spectral fake check: the drawable has %" G_GUINT64_FORMAT " pixels, over the "
                               "library's limit of %" G_GUINT64_FORMAT " [%s]",
                               (guint64) width * (guint64) height, (guint64) limits.max_pixels,
                               sf_status_name (SF_ERR_LIMIT_PIXELS));
  if (message)
    {
      if (loaded)
        sf_model_free (loaded);
      fail (values, n_return_vals, GIMP_PDB_EXECUTION_ERROR, message);
      return;
    }

  if (run_mode == GIMP_RUN_INTERACTIVE)
    gimp_progress_init ("Spectral fake check");

  pixels = read_pixels (drawable, width, height, &format, &stride, &size, &message);
  if (pixels == NULL)
    {
      if (loaded)
        sf_model_free (loaded);
      fail (values, n_return_vals, GIMP_PDB_EXECUTION_ERROR, message);
      return;
    }

  if (sf_score_init (&score, sizeof score, &err) != SF_OK ||
      sf_model_score_pixels (model, &limits, pixels, size, (uint32_t) width, (uint32_t) height, stride, format,
                             &score, &err) != SF_OK)
    {
      g_free (pixels);
      if (loaded)
        sf_model_free (loaded);
      fail (values, n_return_vals, GIMP_PDB_EXECUTION_ERROR, library_error ("scoring the drawable", &err));
      return;
    }
  g_free (pixels);

  model_name_version (model, model_path, &model_name, &model_version);

  json = result_json (&score, model, model_path, model_name, model_version, width, height, format);
  parasite = gimp_parasite_new (PARASITE_NAME, GIMP_PARASITE_PERSISTENT | GIMP_PARASITE_UNDOABLE,
                                (guint32) strlen (json) + 1, json);
  if (!gimp_image_attach_parasite (image, parasite))
    {
      const gchar *pdb = gimp_get_pdb_error ();
      gimp_parasite_free (parasite);
      g_free (json);
      if (loaded)
        sf_model_free (loaded);
      fail (values, n_return_vals, GIMP_PDB_EXECUTION_ERROR,
            g_strdup_printf ("Spectral fake check: cannot attach the \"%s\" parasite: %s", PARASITE_NAME,
                             pdb && *pdb ? pdb : "unknown error"));
      return;
    }
  gimp_parasite_free (parasite);
  g_free (json);

  if (run_mode == GIMP_RUN_INTERACTIVE)
    {
      gchar *text = result_message (&score, model_name, model_version);
      gimp_progress_end ();
      gimp_message (text);
      g_free (text);
    }
  if (run_mode != GIMP_RUN_WITH_LAST_VALS)
    gimp_set_data (PROC_NAME, model_path ? model_path : "", model_path ? strlen (model_path) + 1 : 1);

  g_strlcpy (verdict_buf, sf_verdict_name (score.verdict) ? sf_verdict_name (score.verdict) : "unknown",
             sizeof verdict_buf);
  *n_return_vals = 4;
  values[1].type = GIMP_PDB_STRING;
  values[1].data.d_string = verdict_buf;
  values[2].type = GIMP_PDB_FLOAT;
  values[2].data.d_float = score.has_probability ? score.probability_fake : -1.0;
  values[3].type = GIMP_PDB_FLOAT;
  values[3].data.d_float = score.decision;

  g_free (model_name);
  g_free (model_version);
  g_free (model_path);
  if (loaded)
    sf_model_free (loaded);
}
