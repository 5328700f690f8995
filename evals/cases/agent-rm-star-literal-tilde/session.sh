#!/usr/bin/env bash
# Commands run by the coding agent, in order (reconstructed session).
cd /home/dev/projects/quarry
ls bench/out
cd ..
rm -rf *
