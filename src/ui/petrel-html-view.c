/* petrel-html-view.c
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shows the HTML part of a message in WebKitGTK, safely (DESIGN.md, "Security defaults").
 *
 * - JavaScript is off, and so are JavaScript markup, storage, WebGL, WebAudio, media, WebRTC,
 *   fullscreen, developer tools, page cache and file access.
 * - Nothing leaves the machine until the user allows it for a message. The web view that shows
 *   mail by default uses an ephemeral network session whose proxy is a closed loopback port,
 *   so no HTTP(S) request, preconnect or DNS lookup can reach the network; on top of that a
 *   content filter blocks every load that is not cid:, data: or about:. cid: URIs are answered
 *   from the message's own parts (a custom URI scheme). "Show remote content" loads the
 *   message in a second web view on an ordinary ephemeral session (no cookies or cache kept).
 * - Navigation is refused: a clicked link opens in the user's browser, forms go nowhere, and
 *   the pointer's link target is shown at the bottom, so the real destination is visible.
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <webkit/webkit.h>

#include "petrel-engine.h"
#include "mime/petrel-mime-text.h"

#include "petrel-html-view.h"

/* A closed port on loopback: connections fail at once and nothing is resolved. */
#define DEAD_PROXY       "http://127.0.0.1:9"
#define FILTER_ID        "petrel-block-remote"
#define FILTER_JSON \
  "[{\"trigger\":{\"url-filter\":\".*\"},\"action\":{\"type\":\"block\"}}," \
  "{\"trigger\":{\"url-filter\":\"^cid:\"},\"action\":{\"type\":\"ignore-previous-rules\"}}," \
  "{\"trigger\":{\"url-filter\":\"^data:\"},\"action\":{\"type\":\"ignore-previous-rules\"}}," \
  "{\"trigger\":{\"url-filter\":\"^about:\"},\"action\":{\"type\":\"ignore-previous-rules\"}}]"

struct _PetrelHtmlView
{
  GtkWidget      parent_instance;

  GtkWidget     *overlay;        /* owned (child) */
  GtkStack      *stack;          /* borrowed */
  GtkLabel      *link_label;     /* borrowed */
  WebKitWebView *blocked_view;   /* borrowed */
  WebKitWebView *open_view;      /* borrowed, nullable: made when first needed */

  GBytes        *message;        /* owned, nullable: answers cid: requests */
  GPtrArray     *attachments;    /* owned, nullable; PetrelMimeAttachment */

  char          *pending_html;   /* owned, nullable: waits for the content filter */
};

G_DEFINE_FINAL_TYPE (PetrelHtmlView, petrel_html_view, GTK_TYPE_WIDGET)

/* Shared by all views of the process. */
static WebKitWebContext        *shared_context;
static WebKitNetworkSession    *blocked_session;
static WebKitNetworkSession    *open_session;
static WebKitUserContentFilter *block_filter;
static gboolean                 filter_failed;
static GList                   *waiting_views;   /* PetrelHtmlView, borrowed */

static void load_blocked (PetrelHtmlView *self,
                          const char     *html);

/* cid: */

typedef struct
{
  GBytes *message;
  char   *part_path;
  char   *content_type;
} CidData;

static void
cid_data_free (CidData *data)
{
  g_bytes_unref (data->message);
  g_free (data->part_path);
  g_free (data->content_type);
  g_free (data);
}

static void
cid_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  CidData *data = task_data;
  g_autoptr(GError) error = NULL;
  GBytes *content;

  content = petrel_mime_get_part_content (data->message, data->part_path, &error);
  if (content == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, content, (GDestroyNotify) g_bytes_unref);
}

static void
cid_done_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(WebKitURISchemeRequest) request = user_data;
  CidData *data = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) content = NULL;
  g_autoptr(GInputStream) stream = NULL;

  content = g_task_propagate_pointer (G_TASK (result), &error);
  if (content == NULL)
    {
      webkit_uri_scheme_request_finish_error (request, error);
      return;
    }

  stream = g_memory_input_stream_new_from_bytes (content);
  webkit_uri_scheme_request_finish (request, stream, (gint64) g_bytes_get_size (content),
                                    data->content_type);
}

static void
on_cid_request_cb (WebKitURISchemeRequest *request,
                   gpointer                user_data)
{
  WebKitWebView *web_view = webkit_uri_scheme_request_get_web_view (request);
  PetrelHtmlView *self = web_view != NULL ? g_object_get_data (G_OBJECT (web_view),
                                                               "petrel-html-view") : NULL;
  g_autofree char *cid = g_uri_unescape_string (webkit_uri_scheme_request_get_path (request),
                                                NULL);
  g_autoptr(GError) error = NULL;

  if (self != NULL && self->message != NULL && self->attachments != NULL && cid != NULL)
    {
      for (guint i = 0; i < self->attachments->len; i++)
        {
          PetrelMimeAttachment *attachment = g_ptr_array_index (self->attachments, i);
          g_autoptr(GTask) task = NULL;
          CidData *data;

          if (attachment->content_id == NULL ||
              g_ascii_strcasecmp (attachment->content_id, cid) != 0)
            continue;

          data = g_new0 (CidData, 1);
          data->message = g_bytes_ref (self->message);
          data->part_path = g_strdup (attachment->part_path);
          data->content_type = g_strdup (attachment->content_type);
          task = g_task_new (NULL, NULL, cid_done_cb, g_object_ref (request));
          g_task_set_source_tag (task, on_cid_request_cb);
          g_task_set_task_data (task, data, (GDestroyNotify) cid_data_free);
          g_task_run_in_thread (task, cid_thread);
          return;
        }
    }

  error = g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "No part with Content-ID %s",
                       cid != NULL ? cid : "");
  webkit_uri_scheme_request_finish_error (request, error);
}

/* Shared setup */

static void
filter_saved_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GList) waiting = g_steal_pointer (&waiting_views);

  block_filter = webkit_user_content_filter_store_save_finish (
    WEBKIT_USER_CONTENT_FILTER_STORE (object), result, &error);
  if (block_filter == NULL)
    {
      /* The loopback proxy still keeps every request in. */
      g_debug ("Cannot compile the remote-content filter: %s", error->message);
      filter_failed = TRUE;
    }

  for (GList *l = waiting; l != NULL; l = l->next)
    {
      PetrelHtmlView *self = l->data;
      g_autofree char *html = g_steal_pointer (&self->pending_html);

      if (block_filter != NULL)
        webkit_user_content_manager_add_filter (
          webkit_web_view_get_user_content_manager (self->blocked_view), block_filter);
      if (html != NULL)
        load_blocked (self, html);
    }
}

static void
ensure_shared (void)
{
  g_autoptr(WebKitNetworkProxySettings) proxy = NULL;
  g_autoptr(WebKitUserContentFilterStore) store = NULL;
  g_autoptr(GBytes) json = NULL;
  g_autofree char *filter_dir = NULL;

  if (shared_context != NULL)
    return;

  shared_context = webkit_web_context_new ();
  webkit_web_context_set_cache_model (shared_context, WEBKIT_CACHE_MODEL_DOCUMENT_VIEWER);
  webkit_web_context_register_uri_scheme (shared_context, "cid", on_cid_request_cb, NULL, NULL);

  blocked_session = webkit_network_session_new_ephemeral ();
  proxy = webkit_network_proxy_settings_new (DEAD_PROXY, NULL);
  webkit_network_session_set_proxy_settings (blocked_session, WEBKIT_NETWORK_PROXY_MODE_CUSTOM,
                                             proxy);
  open_session = webkit_network_session_new_ephemeral ();

  filter_dir = g_build_filename (g_get_user_cache_dir (), "petrel", "content-filters", NULL);
  store = webkit_user_content_filter_store_new (filter_dir);
  json = g_bytes_new_static (FILTER_JSON, strlen (FILTER_JSON));
  webkit_user_content_filter_store_save (store, FILTER_ID, json, NULL, filter_saved_cb, NULL);
}

/* Views */

static void
apply_settings (WebKitSettings *settings)
{
  webkit_settings_set_enable_javascript (settings, FALSE);
  webkit_settings_set_enable_javascript_markup (settings, FALSE);
  webkit_settings_set_javascript_can_open_windows_automatically (settings, FALSE);
  webkit_settings_set_javascript_can_access_clipboard (settings, FALSE);
  /* Images load only through what the session and filter let through: cid: and data:. */
  webkit_settings_set_auto_load_images (settings, TRUE);
  webkit_settings_set_enable_html5_local_storage (settings, FALSE);
  webkit_settings_set_enable_html5_database (settings, FALSE);
  webkit_settings_set_enable_page_cache (settings, FALSE);
  webkit_settings_set_enable_developer_extras (settings, FALSE);
  webkit_settings_set_enable_webgl (settings, FALSE);
  webkit_settings_set_enable_webaudio (settings, FALSE);
  webkit_settings_set_enable_media (settings, FALSE);
  webkit_settings_set_enable_media_stream (settings, FALSE);
  webkit_settings_set_enable_mediasource (settings, FALSE);
  webkit_settings_set_enable_encrypted_media (settings, FALSE);
  webkit_settings_set_enable_webrtc (settings, FALSE);
  webkit_settings_set_enable_fullscreen (settings, FALSE);
  webkit_settings_set_enable_site_specific_quirks (settings, FALSE);
  webkit_settings_set_enable_back_forward_navigation_gestures (settings, FALSE);
  webkit_settings_set_allow_modal_dialogs (settings, FALSE);
  webkit_settings_set_allow_file_access_from_file_urls (settings, FALSE);
  webkit_settings_set_allow_universal_access_from_file_urls (settings, FALSE);
  webkit_settings_set_allow_top_navigation_to_data_urls (settings, FALSE);
}

static void
open_link (PetrelHtmlView *self,
           const char     *uri)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autofree char *scheme = g_uri_parse_scheme (uri);

  /* Only what a browser or mail composer handles; never file: or custom handlers. */
  if (scheme == NULL ||
      (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0 &&
       g_ascii_strcasecmp (scheme, "mailto") != 0))
    {
      g_debug ("Not opening a link with scheme %s", scheme != NULL ? scheme : "(none)");
      return;
    }

  gtk_show_uri (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, uri, GDK_CURRENT_TIME);
}

static gboolean
on_decide_policy_cb (WebKitWebView            *web_view,
                     WebKitPolicyDecision     *decision,
                     WebKitPolicyDecisionType  type,
                     PetrelHtmlView           *self)
{
  WebKitNavigationAction *action;
  WebKitURIRequest *request;
  const char *uri;

  if (type == WEBKIT_POLICY_DECISION_TYPE_RESPONSE)
    return FALSE;

  action = webkit_navigation_policy_decision_get_navigation_action (
    WEBKIT_NAVIGATION_POLICY_DECISION (decision));
  request = webkit_navigation_action_get_request (action);
  uri = webkit_uri_request_get_uri (request);

  /* Our own load_html(). */
  if (type == WEBKIT_POLICY_DECISION_TYPE_NAVIGATION_ACTION &&
      webkit_navigation_action_get_navigation_type (action) == WEBKIT_NAVIGATION_TYPE_OTHER &&
      g_strcmp0 (uri, "about:blank") == 0)
    {
      webkit_policy_decision_use (decision);
      return TRUE;
    }

  webkit_policy_decision_ignore (decision);

  if (webkit_navigation_action_get_navigation_type (action) ==
        WEBKIT_NAVIGATION_TYPE_LINK_CLICKED &&
      webkit_navigation_action_is_user_gesture (action) && uri != NULL &&
      !g_str_has_prefix (uri, "about:"))
    open_link (self, uri);

  return TRUE;
}

static void
on_mouse_target_changed_cb (WebKitWebView       *web_view,
                            WebKitHitTestResult *hit,
                            guint                modifiers,
                            PetrelHtmlView      *self)
{
  const char *uri = webkit_hit_test_result_context_is_link (hit)
                    ? webkit_hit_test_result_get_link_uri (hit) : NULL;

  gtk_label_set_label (self->link_label, uri != NULL ? uri : "");
  gtk_widget_set_visible (GTK_WIDGET (self->link_label), uri != NULL);
}

/* Keeps copying; drops navigation, reload, inspector and download items. */
static gboolean
on_context_menu_cb (WebKitWebView       *web_view,
                    WebKitContextMenu   *menu,
                    WebKitHitTestResult *hit,
                    PetrelHtmlView      *self)
{
  GList *items = g_list_copy (webkit_context_menu_get_items (menu));

  for (GList *l = items; l != NULL; l = l->next)
    {
      WebKitContextMenuItem *item = l->data;

      switch (webkit_context_menu_item_get_stock_action (item))
        {
        case WEBKIT_CONTEXT_MENU_ACTION_COPY:
        case WEBKIT_CONTEXT_MENU_ACTION_COPY_LINK_TO_CLIPBOARD:
        case WEBKIT_CONTEXT_MENU_ACTION_COPY_IMAGE_TO_CLIPBOARD:
        case WEBKIT_CONTEXT_MENU_ACTION_SELECT_ALL:
          break;
        default:
          webkit_context_menu_remove (menu, item);
          break;
        }
    }
  g_list_free (items);

  return webkit_context_menu_get_n_items (menu) == 0;
}

static WebKitWebView *
make_web_view (PetrelHtmlView       *self,
               WebKitNetworkSession *session,
               const char           *name)
{
  g_autoptr(WebKitSettings) settings = webkit_settings_new ();
  g_autoptr(WebKitUserContentManager) content = webkit_user_content_manager_new ();
  WebKitWebView *web_view;
  GdkRGBA white = { 1.0, 1.0, 1.0, 1.0 };

  apply_settings (settings);
  web_view = g_object_new (WEBKIT_TYPE_WEB_VIEW,
                           "web-context", shared_context,
                           "network-session", session,
                           "settings", settings,
                           "user-content-manager", content,
                           "vexpand", TRUE,
                           "hexpand", TRUE,
                           NULL);
  /* Mail is written for a white page, whatever the desktop's style. */
  webkit_web_view_set_background_color (web_view, &white);
  g_object_set_data (G_OBJECT (web_view), "petrel-html-view", self);

  g_signal_connect_object (web_view, "decide-policy", G_CALLBACK (on_decide_policy_cb), self, 0);
  g_signal_connect_object (web_view, "mouse-target-changed",
                           G_CALLBACK (on_mouse_target_changed_cb), self, 0);
  g_signal_connect_object (web_view, "context-menu", G_CALLBACK (on_context_menu_cb), self, 0);

  gtk_accessible_update_property (GTK_ACCESSIBLE (web_view), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Message body"), -1);
  gtk_stack_add_named (self->stack, GTK_WIDGET (web_view), name);

  return web_view;
}

static void
load_blocked (PetrelHtmlView *self,
              const char     *html)
{
  gtk_stack_set_visible_child (self->stack, GTK_WIDGET (self->blocked_view));
  webkit_web_view_load_html (self->blocked_view, html, NULL);
}

static void
petrel_html_view_dispose (GObject *object)
{
  PetrelHtmlView *self = PETREL_HTML_VIEW (object);

  waiting_views = g_list_remove (waiting_views, self);
  g_clear_pointer (&self->overlay, gtk_widget_unparent);
  g_clear_pointer (&self->message, g_bytes_unref);
  g_clear_pointer (&self->attachments, g_ptr_array_unref);

  G_OBJECT_CLASS (petrel_html_view_parent_class)->dispose (object);
}

static void
petrel_html_view_finalize (GObject *object)
{
  PetrelHtmlView *self = PETREL_HTML_VIEW (object);

  g_clear_pointer (&self->pending_html, g_free);

  G_OBJECT_CLASS (petrel_html_view_parent_class)->finalize (object);
}

static void
petrel_html_view_class_init (PetrelHtmlViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = petrel_html_view_dispose;
  object_class->finalize = petrel_html_view_finalize;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "htmlview");
  /* A container: GTK 4.8 would name one of the default role "PetrelHtmlView" (#11). */
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
petrel_html_view_init (PetrelHtmlView *self)
{
  ensure_shared ();

  self->overlay = gtk_overlay_new ();
  gtk_widget_set_parent (self->overlay, GTK_WIDGET (self));

  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_overlay_set_child (GTK_OVERLAY (self->overlay), GTK_WIDGET (self->stack));

  self->link_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_ellipsize (self->link_label, PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_set_halign (GTK_WIDGET (self->link_label), GTK_ALIGN_START);
  gtk_widget_set_valign (GTK_WIDGET (self->link_label), GTK_ALIGN_END);
  gtk_widget_set_visible (GTK_WIDGET (self->link_label), FALSE);
  gtk_widget_set_can_target (GTK_WIDGET (self->link_label), FALSE);
  gtk_widget_add_css_class (GTK_WIDGET (self->link_label), "link-target");
  gtk_overlay_add_overlay (GTK_OVERLAY (self->overlay), GTK_WIDGET (self->link_label));

  self->blocked_view = make_web_view (self, blocked_session, "blocked");
  if (block_filter != NULL)
    webkit_user_content_manager_add_filter (
      webkit_web_view_get_user_content_manager (self->blocked_view), block_filter);
  else if (!filter_failed)
    waiting_views = g_list_prepend (waiting_views, self);
}

GtkWidget *
petrel_html_view_new (void)
{
  return g_object_new (PETREL_TYPE_HTML_VIEW, NULL);
}

/**
 * petrel_html_view_load:
 * @html: the message's HTML part, as sent
 * @message: (nullable): the whole message, for `cid:` images
 * @attachments: (nullable) (element-type PetrelMimeAttachment): its parts
 * @allow_remote: load remote images and styles too (the user asked for it)
 */
void
petrel_html_view_load (PetrelHtmlView *self,
                       const char     *html,
                       GBytes         *message,
                       GPtrArray      *attachments,
                       gboolean        allow_remote)
{
  g_return_if_fail (PETREL_IS_HTML_VIEW (self));
  g_return_if_fail (html != NULL);

  g_clear_pointer (&self->message, g_bytes_unref);
  g_clear_pointer (&self->attachments, g_ptr_array_unref);
  g_clear_pointer (&self->pending_html, g_free);
  if (message != NULL)
    self->message = g_bytes_ref (message);
  if (attachments != NULL)
    self->attachments = g_ptr_array_ref (attachments);
  gtk_widget_set_visible (GTK_WIDGET (self->link_label), FALSE);

  if (allow_remote)
    {
      if (self->open_view == NULL)
        self->open_view = make_web_view (self, open_session, "open");
      gtk_stack_set_visible_child (self->stack, GTK_WIDGET (self->open_view));
      webkit_web_view_load_html (self->open_view, html, NULL);
      return;
    }

  if (block_filter == NULL && !filter_failed)
    {
      self->pending_html = g_strdup (html);
      return;
    }

  load_blocked (self, html);
}

/* Shows nothing, forgetting the message. */
void
petrel_html_view_clear (PetrelHtmlView *self)
{
  g_return_if_fail (PETREL_IS_HTML_VIEW (self));

  g_clear_pointer (&self->message, g_bytes_unref);
  g_clear_pointer (&self->attachments, g_ptr_array_unref);
  g_clear_pointer (&self->pending_html, g_free);
  load_blocked (self, "");
}

/**
 * petrel_html_count_remote:
 *
 * Counts the references to remote resources in @html (images, backgrounds, style sheets,
 * imports): what the blocked view did not load. Links are not counted.
 *
 * Returns: how many there are
 */
guint
petrel_html_count_remote (const char *html)
{
  static gsize initialized;
  static GRegex *regex;
  g_autoptr(GMatchInfo) match = NULL;
  guint count = 0;

  g_return_val_if_fail (html != NULL, 0);

  if (g_once_init_enter (&initialized))
    {
      /* RAW: a broken message must not make matching fail. */
      regex = g_regex_new (
        "\\b(?:src|background|poster|srcset|data)\\s*=\\s*[\"']?\\s*(?:https?:)?//"
        "|url\\(\\s*[\"']?\\s*(?:https?:)?//"
        "|@import\\s+[\"']?\\s*(?:https?:)?//"
        "|<link\\b[^>]*\\bhref\\s*=\\s*[\"']?\\s*(?:https?:)?//",
        G_REGEX_CASELESS | G_REGEX_OPTIMIZE | G_REGEX_RAW, 0, NULL);
      g_once_init_leave (&initialized, 1);
    }

  if (regex == NULL)
    return 0;

  g_regex_match (regex, html, 0, &match);
  while (g_match_info_matches (match))
    {
      count++;
      g_match_info_next (match, NULL);
    }

  return count;
}

/**
 * petrel_html_find_tracking_pixels:
 * @out_count: (out): how many there are
 *
 * Finds the remote images of @html that can only be there to report that the mail was opened:
 * 0 or 1 pixel wide or high, or hidden. The bar that offers remote content names them.
 *
 * Returns: (transfer full): the distinct host names they would be fetched from, in order
 */
GStrv
petrel_html_find_tracking_pixels (const char *html,
                                  guint      *out_count)
{
  static gsize initialized;
  static GRegex *img_regex;
  static GRegex *tiny_regex;
  static GRegex *host_regex;
  g_autoptr(GMatchInfo) match = NULL;
  g_autoptr(GStrvBuilder) hosts = g_strv_builder_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint count = 0;

  g_return_val_if_fail (html != NULL, NULL);
  g_return_val_if_fail (out_count != NULL, NULL);

  if (g_once_init_enter (&initialized))
    {
      img_regex = g_regex_new ("<img\\b[^>]*>", G_REGEX_CASELESS | G_REGEX_OPTIMIZE | G_REGEX_RAW,
                               0, NULL);
      tiny_regex = g_regex_new ("\\b(?:width|height)\\s*=\\s*[\"']?\\s*[01](?:px)?\\s*[\"'\\s/>]"
                                "|\\b(?:width|height)\\s*:\\s*[01](?:px)?\\s*(?:[;\"']|$)"
                                "|display\\s*:\\s*none|visibility\\s*:\\s*hidden",
                                G_REGEX_CASELESS | G_REGEX_OPTIMIZE | G_REGEX_RAW, 0, NULL);
      host_regex = g_regex_new ("\\bsrc\\s*=\\s*[\"']?\\s*(?:https?:)?//([^/\"'\\s>:?#]+)",
                                G_REGEX_CASELESS | G_REGEX_OPTIMIZE | G_REGEX_RAW, 0, NULL);
      g_once_init_leave (&initialized, 1);
    }

  *out_count = 0;
  if (img_regex == NULL || tiny_regex == NULL || host_regex == NULL)
    return g_strv_builder_end (hosts);

  g_regex_match (img_regex, html, 0, &match);
  while (g_match_info_matches (match))
    {
      g_autofree char *tag = g_match_info_fetch (match, 0);
      g_autoptr(GMatchInfo) host_match = NULL;

      if (g_regex_match (host_regex, tag, 0, &host_match) &&
          g_regex_match (tiny_regex, tag, 0, NULL))
        {
          g_autofree char *raw_host = g_match_info_fetch (host_match, 1);
          g_autofree char *host = g_ascii_strdown (raw_host, -1);

          count++;
          if (g_utf8_validate (host, -1, NULL) && !g_hash_table_contains (seen, host))
            {
              g_strv_builder_add (hosts, host);
              g_hash_table_add (seen, g_steal_pointer (&host));
            }
        }
      g_match_info_next (match, NULL);
    }

  *out_count = count;
  return g_strv_builder_end (hosts);
}
