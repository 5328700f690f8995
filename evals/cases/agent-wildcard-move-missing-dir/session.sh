# Commands run by the coding agent in the Windows shell, in order (reconstructed session).
cd "C:\Users\dev\orbit_xyz"
mkdir "..\orbit project"
move * "..\orbit project"
dir "..\orbit project"
