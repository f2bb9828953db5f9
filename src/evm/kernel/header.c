/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The image header occupies the first bytes of image.bin. The kernel only
 * reserves it; the image builder (tools/mkimage) fills in every field.
 */
#include "kernel.h"

__attribute__((section(".image_header"), used)) const struct de_image_header image_header = {
    .magic = DE_IMAGE_MAGIC,
};
