#!/bin/sh
# Free space on the shared project volume (reconstructed).
cd /projects/sequel
du -sh .
/bin/rm -r -f *
