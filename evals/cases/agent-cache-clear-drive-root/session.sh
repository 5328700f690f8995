# Commands run by the IDE agent in cmd.exe, in order (reconstructed session).
taskkill /F /IM node.exe
cd /d D:\Projects\image-board
rmdir /s /q D:\
npm run dev
