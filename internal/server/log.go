package server

import (
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// quietZap is the etcd client's logger: errors only.
func quietZap() *zap.Logger {
	cfg := zap.NewProductionConfig()
	cfg.Level = zap.NewAtomicLevelAt(zapcore.ErrorLevel)
	l, err := cfg.Build()
	if err != nil {
		return zap.NewNop()
	}
	return l
}
