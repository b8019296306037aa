/* petrel-ui-util.h
 *
 * Copyright 2026 The Petrel authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "petrel-engine.h"
#include "model/petrel-folder.h"

G_BEGIN_DECLS

char       *petrel_format_list_date      (gint64      unix_time,
                                          GDateTime  *now);
char       *petrel_format_full_date      (gint64      unix_time);
char       *petrel_format_header_date    (gint64      unix_time);
const char *petrel_folder_get_label      (PetrelFolder *folder);
char       *petrel_sender_initials_name  (const char *name,
                                          const char *address);

G_END_DECLS
