/*
 * Bun's Windows executable imports ProcessPrng from bcryptprimitives.dll, which Wine 8.0 does
 * not export, so the .exe cannot start there. Placed beside the .exe under that DLL's name, this
 * stub supplies the one export from advapi32's RtlGenRandom (exported as SystemFunction036).
 * It exists only for the Wine smoke test; real Windows has the real DLL.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    /* RtlGenRandom takes a ULONG, so fill larger requests in chunks. */
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
