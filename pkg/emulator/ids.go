package emulator

import (
	"crypto/rand"
	"encoding/hex"
)

// randomHex is n random hex digits, for instance ids (i- + 17) and the like.
func randomHex(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}
